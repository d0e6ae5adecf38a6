// `--http-allow HOST,...` of `aiwc run`, `serve` and `worker`: the hosts the
// built-in http_request may reach (redirects included). Without it, any host.

import { InvalidArgumentError, Option } from "commander";

const HOST = /^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$|^\[[0-9A-Fa-f:.]+\]$/;

/** The hosts of a comma-separated list; a usage error names the first that is not a host name. */
export function parseHttpAllow(text: string): string[] {
  const hosts = text.split(",").map((h) => h.trim()).filter((h) => h !== "");
  const bad = hosts.find((h) => !HOST.test(h));
  if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not a host name (write example.com, *.example.com, 10.0.0.5 or [::1], separated by commas)`);
  if (hosts.length === 0) throw new InvalidArgumentError("give at least one host");
  return hosts;
}

export function httpAllowOption(): Option {
  return new Option("--http-allow <hosts>", "hosts the built-in http_request may reach, comma-separated (example.com, *.example.com); default: any").argParser(parseHttpAllow);
}
