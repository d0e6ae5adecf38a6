"""Generate a support-ticket triage data set, train a small text classifier with
numpy, and save it as OpenVINO IR and ONNX: the model the inference tests run.

Usage: python models/train_text_classifier.py OUT_DIR

Everything is seeded, so two runs write the same data, weights and accuracy.

Features (reproduced exactly by runtime/inference/hashed-features.ts):
  1. lowercase the text (str.lower; the data set is ASCII);
  2. split on runs of characters outside [a-z0-9]; drop empty tokens;
  3. for each token, h = FNV-1a 32-bit of its UTF-8 bytes
     (h = 2166136261; for each byte: h ^= byte; h = (h * 16777619) mod 2**32);
  4. index = h mod DIM; add 1 to features[index];
  5. divide by the L2 norm (a text with no token stays all zeros).

Model: features [?, DIM] f32 -> MatMul + Add -> ReLU -> MatMul + Add -> Softmax
(axis 1) -> probs [?, CLASSES] f32.
"""

from __future__ import annotations

import json
import os
import re
import sys

import numpy as np

DIM = 512
HIDDEN = 64
SEED = 20261125
ROWS_PER_CLASS = 900
TEST_FRACTION = 0.2
HELD_OUT_TEMPLATES = 2
EPOCHS = 60
BATCH = 64
LEARNING_RATE = 0.01
L2 = 1e-4

LABELS = ["billing", "technical", "account", "shipping", "feedback"]

TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")


def fnv1a32(data: bytes) -> int:
    h = 2166136261
    for byte in data:
        h ^= byte
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def tokens(text: str) -> list[str]:
    return [t for t in TOKEN_SPLIT.split(text.lower()) if t]


def features(text: str, dim: int = DIM) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float64)
    for t in tokens(text):
        v[fnv1a32(t.encode("utf-8")) % dim] += 1.0
    norm = np.linalg.norm(v)
    if norm > 0:
        v /= norm
    return v.astype(np.float32)


def featurize(texts: list[str], dim: int = DIM) -> np.ndarray:
    return np.stack([features(t, dim) for t in texts]) if texts else np.zeros((0, dim), np.float32)


# ---------------------------------------------------------------- data set

VOCAB = {
    "product": ["Pro plan", "Team plan", "the mobile app", "the desktop client", "the API",
                "the analytics dashboard", "the starter kit", "the premium subscription"],
    "amount": ["$12.99", "$49", "$120.00", "EUR 35", "$7.50", "$299", "GBP 18.40", "$1,050"],
    "month": ["January", "February", "March", "April", "May", "June", "July",
              "August", "September", "October", "November", "December"],
    "order": ["#48213", "#10077", "#99310", "#55102", "#73841", "#20488", "#61923", "#38005"],
    "carrier": ["UPS", "FedEx", "DHL", "the courier", "USPS", "the post office"],
    "city": ["Berlin", "Austin", "Lyon", "Toronto", "Osaka", "Madrid", "Leeds", "Denver"],
    "error": ["error 500", "a timeout", "a blank screen", "error code E42", "a crash",
              "an SSL handshake failure", "a 403 forbidden", "a spinning loader"],
    "feature": ["export to CSV", "dark mode", "the search bar", "notifications", "sync",
                "the calendar view", "file upload", "single sign-on"],
    "os": ["Windows 11", "macOS", "Ubuntu", "Android", "iOS", "Chrome", "Firefox", "Safari"],
    "days": ["two days", "a week", "ten days", "three weeks", "five days", "a month"],
    "opener": ["", "", "", "Hi, ", "Hello, ", "Hi team, ", "Good morning, ", "Urgent: ",
               "Quick question: ", "Hey, "],
    "closer": ["", "", "", " Thanks.", " Please help.", " Thank you in advance.",
               " Any update would be appreciated.", " Regards, Sam.", " Cheers."],
}

TEMPLATES = {
    "billing": [
        "I was charged {amount} twice for {product} in {month}.",
        "My invoice for {month} shows {amount} but my plan costs less.",
        "Can I get a refund for {product}? I was billed {amount} by mistake.",
        "The payment of {amount} failed but my card is valid.",
        "Please send me a VAT invoice for the {amount} charge.",
        "Why did my subscription renew at {amount} without notice?",
        "I want to change my billing cycle from monthly to yearly.",
        "My credit card was declined when paying for {product}.",
        "There is an unknown charge of {amount} on my statement from {month}.",
        "How do I update the payment method on file?",
        "I cancelled in {month} but was still charged {amount}.",
        "Could you apply the discount code to my last invoice?",
    ],
    "technical": [
        "{product} shows {error} when I open {feature}.",
        "I get {error} every time I try {feature} on {os}.",
        "{feature} stopped working after the latest update on {os}.",
        "The app crashes on {os} as soon as I click {feature}.",
        "{product} is very slow and then fails with {error}.",
        "Since yesterday {feature} returns {error} in {product}.",
        "Is there a known bug with {feature} on {os}? I keep seeing {error}.",
        "The page freezes with {error} when loading {feature}.",
        "Our integration with {product} fails with {error} since {month}.",
        "{feature} does not load at all on {os}, just {error}.",
        "After reinstalling {product} on {os} I still get {error}.",
    ],
    "account": [
        "I cannot log in to my account, the password reset email never arrives.",
        "How do I change the email address on my account?",
        "Please delete my account and all my personal data.",
        "My account was locked after too many login attempts.",
        "I want to add a new user to our Team plan account.",
        "Two-factor authentication codes are not accepted when I sign in.",
        "Can I transfer ownership of the account to my colleague?",
        "I forgot my username and the recovery link has expired.",
        "Someone else may have accessed my account from {city}.",
        "How do I merge my two accounts into one profile?",
        "Please reset the password for my account, I am locked out.",
        "I need to change the account owner's name on our profile.",
    ],
    "shipping": [
        "My order {order} has not arrived after {days}.",
        "The tracking for order {order} has not updated since {month}.",
        "{carrier} says the package for {order} was delivered but I never got it.",
        "Can I change the delivery address for order {order} to {city}?",
        "The parcel arrived damaged, order {order}.",
        "When will order {order} ship? It has been {days}.",
        "{carrier} returned my package to the warehouse, order {order}.",
        "I received the wrong item in order {order}.",
        "Do you ship to {city}, and how long does delivery take?",
        "My package is stuck in customs in {city} for {days}.",
        "Order {order} is missing one item from the box.",
    ],
    "feedback": [
        "I love {feature}, it saves me hours every week.",
        "It would be great if {product} had {feature}.",
        "Please consider adding {feature} to {product}.",
        "The new design of {product} is much cleaner, well done.",
        "Your support agent was very helpful, thank you!",
        "I find {feature} confusing, it could be simpler.",
        "Suggestion: let us customise {feature} in {product}.",
        "Great job on the last release, {feature} feels much faster.",
        "I would recommend {product} to my team, keep it up.",
        "Not a problem, just an idea: {feature} could support keyboard shortcuts.",
        "The onboarding for {product} was smooth and friendly.",
    ],
}

SLOT = re.compile(r"\{([a-z]+)\}")


def fill(template: str, rng: np.random.Generator) -> str:
    body = SLOT.sub(lambda m: str(rng.choice(VOCAB[m.group(1)])), template)
    opener = str(rng.choice(VOCAB["opener"]))
    if opener:
        body = body[0].lower() + body[1:] if not body[:2].isupper() else body
    text = opener + body + str(rng.choice(VOCAB["closer"]))
    return text[0].upper() + text[1:]


def generate(rng: np.random.Generator) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Returns (train, test). The last HELD_OUT_TEMPLATES templates of each class
    appear only in the test split, so held-out accuracy measures new phrasings,
    not just new slot fillers."""
    train_rows, test_rows = [], []
    n_test = int(ROWS_PER_CLASS * TEST_FRACTION)
    for label_index, label in enumerate(LABELS):
        seen = TEMPLATES[label][:-HELD_OUT_TEMPLATES]
        for _ in range(ROWS_PER_CLASS - n_test):
            train_rows.append((fill(str(rng.choice(seen)), rng), label_index))
        for _ in range(n_test):
            test_rows.append((fill(str(rng.choice(TEMPLATES[label])), rng), label_index))
    shuffle = lambda rows: [rows[i] for i in rng.permutation(len(rows))]
    return shuffle(train_rows), shuffle(test_rows)


# ---------------------------------------------------------------- model


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def forward(params: dict[str, np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h = np.maximum(x @ params["w1"] + params["b1"], 0.0)
    return h, softmax(h @ params["w2"] + params["b2"])


def train(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    classes = len(LABELS)
    params = {
        "w1": rng.normal(0.0, np.sqrt(2.0 / DIM), (DIM, HIDDEN)),
        "b1": np.zeros(HIDDEN),
        "w2": rng.normal(0.0, np.sqrt(2.0 / HIDDEN), (HIDDEN, classes)),
        "b2": np.zeros(classes),
    }
    # Adam, because plain SGD on sparse hashed features needs many more epochs.
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    b1, b2, eps, step = 0.9, 0.999, 1e-8, 0
    onehot = np.eye(classes)[y]
    for _ in range(EPOCHS):
        order = rng.permutation(len(x))
        for start in range(0, len(x), BATCH):
            idx = order[start:start + BATCH]
            xb, yb = x[idx], onehot[idx]
            h, p = forward(params, xb)
            dz2 = (p - yb) / len(idx)
            dh = (dz2 @ params["w2"].T) * (h > 0)
            grads = {
                "w2": h.T @ dz2 + L2 * params["w2"],
                "b2": dz2.sum(axis=0),
                "w1": xb.T @ dh + L2 * params["w1"],
                "b1": dh.sum(axis=0),
            }
            step += 1
            for k, g in grads.items():
                m[k] = b1 * m[k] + (1 - b1) * g
                v[k] = b2 * v[k] + (1 - b2) * g * g
                mhat = m[k] / (1 - b1 ** step)
                vhat = v[k] / (1 - b2 ** step)
                params[k] -= LEARNING_RATE * mhat / (np.sqrt(vhat) + eps)
    return {k: p.astype(np.float32) for k, p in params.items()}


def accuracy(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    _, p = forward(params, x)
    return float((p.argmax(axis=1) == y).mean())


# ---------------------------------------------------------------- export


def save_openvino(params: dict[str, np.ndarray], path: str) -> None:
    import openvino as ov
    import openvino.opset13 as ops

    x = ops.parameter(ov.PartialShape([-1, DIM]), ov.Type.f32, name="features")
    x.output(0).get_tensor().set_names({"features"})
    h = ops.relu(ops.add(ops.matmul(x, ops.constant(params["w1"]), False, False),
                         ops.constant(params["b1"])))
    logits = ops.add(ops.matmul(h, ops.constant(params["w2"]), False, False),
                     ops.constant(params["b2"]))
    probs = ops.softmax(logits, 1)
    probs.output(0).get_tensor().set_names({"probs"})
    model = ov.Model([probs], [x], "text_classifier")
    # Without compress_to_fp16=False the weights would be stored as FP16 and the
    # IR and ONNX files would no longer hold the same numbers.
    ov.save_model(model, path, compress_to_fp16=False)


def save_onnx(params: dict[str, np.ndarray], path: str) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(params[k], name=k) for k in ("w1", "b1", "w2", "b2")]
    nodes = [
        helper.make_node("MatMul", ["features", "w1"], ["mm1"]),
        helper.make_node("Add", ["mm1", "b1"], ["z1"]),
        helper.make_node("Relu", ["z1"], ["h"]),
        helper.make_node("MatMul", ["h", "w2"], ["mm2"]),
        helper.make_node("Add", ["mm2", "b2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "text_classifier",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", DIM])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", len(LABELS)])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="aiwork-train_text_classifier")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def write_json(path: str, value: object) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")


def write_jsonl(path: str, rows: list[tuple[str, int]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for text, label in rows:
            f.write(json.dumps({"label": LABELS[label], "text": text}, sort_keys=True) + "\n")


def main(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    train_rows, test_rows = generate(rng)
    x_train = featurize([t for t, _ in train_rows])
    y_train = np.array([l for _, l in train_rows])
    x_test = featurize([t for t, _ in test_rows])
    y_test = np.array([l for _, l in test_rows])

    params = train(x_train, y_train, rng)
    train_acc = accuracy(params, x_train, y_train)
    test_acc = accuracy(params, x_test, y_test)

    save_openvino(params, os.path.join(out_dir, "text_classifier.xml"))
    save_onnx(params, os.path.join(out_dir, "text_classifier.onnx"))
    write_json(os.path.join(out_dir, "labels.json"), LABELS)
    write_jsonl(os.path.join(out_dir, "train.jsonl"), train_rows)
    write_jsonl(os.path.join(out_dir, "test.jsonl"), test_rows)
    write_json(os.path.join(out_dir, "metadata.json"), {
        "name": "text_classifier",
        "task": "support-ticket triage",
        "labels": LABELS,
        "input": {"name": "features", "type": "f32", "shape": [-1, DIM]},
        "output": {"name": "probs", "type": "f32", "shape": [-1, len(LABELS)]},
        "features": {
            "dim": DIM,
            "lowercase": "str.lower (ASCII data)",
            "tokens": "split on runs of characters outside [a-z0-9], empty tokens dropped",
            "hash": "FNV-1a 32-bit over the token's UTF-8 bytes (offset 2166136261, prime 16777619)",
            "index": "hash mod dim",
            "values": "token counts, then divided by their L2 norm (all zeros if no token)",
        },
        "architecture": f"MatMul({DIM}x{HIDDEN}) + bias -> ReLU -> MatMul({HIDDEN}x{len(LABELS)}) + bias -> Softmax(axis=1)",
        "training": {"seed": SEED, "epochs": EPOCHS, "batch": BATCH, "optimizer": "adam",
                     "learning_rate": LEARNING_RATE, "l2": L2},
        "rows": {"train": len(train_rows), "test": len(test_rows)},
        "accuracy": {"train": round(train_acc, 4), "test": round(test_acc, 4)},
        "files": {"openvino": "text_classifier.xml", "onnx": "text_classifier.onnx"},
    })
    print(f"train accuracy {train_acc:.4f}, held-out accuracy {test_acc:.4f} "
          f"({len(train_rows)} train / {len(test_rows)} test rows) -> {out_dir}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: train_text_classifier.py OUT_DIR")
    main(sys.argv[1])
