"""Convert the all-MiniLM-L6-v2 tokenizer (Hugging Face tokenizer.json, from the
langchain4j Maven jar) into an OpenVINO tokenizer model with openvino-tokenizers,
and check that it tokenizes like the Hugging Face tokenizer.

Usage: python models/convert_minilm_tokenizer.py TOKENIZER_JSON OUT_XML
"""

from __future__ import annotations

import sys

SAMPLES = [
    "hello world",
    "The invoice for March was charged twice.",
    "Deployments happen on weekdays before 16:00; rollbacks need two approvals!",
    "Unicode: café, naïve, Zürich — ok?",
    "",
]


def main(tokenizer_json: str, out_xml: str) -> None:
    import numpy as np
    import openvino as ov
    from openvino_tokenizers import convert_tokenizer
    from transformers import BertTokenizerFast

    hf = BertTokenizerFast(tokenizer_file=tokenizer_json)
    ov.save_model(convert_tokenizer(hf), out_xml)
    compiled = ov.Core().compile_model(out_xml, "CPU")
    for text in SAMPLES:
        got = compiled([text])
        want = hf(text)
        for name in ("input_ids", "attention_mask", "token_type_ids"):
            a = np.asarray(got[name])[0].tolist()
            if a != want[name]:
                sys.exit(f"tokenizer mismatch for {text!r} ({name}): openvino {a} vs hugging face {want[name]}")
    print(f"tokenizer -> {out_xml} (matches the Hugging Face tokenizer on {len(SAMPLES)} samples)")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: convert_minilm_tokenizer.py TOKENIZER_JSON OUT_XML")
    main(sys.argv[1], sys.argv[2])
