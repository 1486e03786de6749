#!/usr/bin/python3
"""scikit-learn peer for infra/bench: TF-IDF + LinearSVC.

usage: peer_sklearn.py CONFIG TRAIN.csv TEST.csv
CONFIG is "word" (word 1-2-grams) or "wordchar" (word 1-2-grams plus
char_wb 2-5-grams, each TF-IDF block l2-normalised). Both use sublinear tf
and LinearSVC(C=1), scikit-learn's defaults otherwise. An "oos" label is
learnt like any other class. Prints one JSON line: predicted labels, the
training time and per-message latencies (microseconds).
"""
import csv
import json
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["category"] for r in rows]


def main():
    config, train_path, test_path = sys.argv[1:4]
    x_train, y_train = load(train_path)
    x_test, _ = load(test_path)
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    if config == "word":
        vec = word
    elif config == "wordchar":
        vec = make_union(word, TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))
    else:
        sys.exit("unknown config " + config)
    model = make_pipeline(vec, LinearSVC(C=1.0))
    start = time.perf_counter()
    model.fit(x_train, y_train)
    train_seconds = time.perf_counter() - start
    predicted = list(model.predict(x_test))
    # Per-message latency: one message at a time, as a service would, on
    # the first 500 test messages after a short warm-up.
    for text in x_test[:20]:
        model.predict([text])
    lat = []
    for text in x_test[:500]:
        t = time.perf_counter()
        model.predict([text])
        lat.append((time.perf_counter() - t) * 1e6)
    print(json.dumps({"predicted": predicted, "train_seconds": train_seconds, "latency_us": lat}))


if __name__ == "__main__":
    main()
