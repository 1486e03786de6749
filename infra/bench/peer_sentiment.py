#!/usr/bin/python3
"""scikit-learn peer for the sentiment part of infra/bench: TF-IDF + LogisticRegression.

usage: peer_sentiment.py LANG TRAIN TEST
Both files are "label<TAB>text" with a header row (the bench writes them). LANG "zh" uses character
1-3-grams (Chinese has no spaces for the default tokenizer); "en" uses word 1-2-grams plus char_wb
2-5-grams (min_df 2). Sublinear tf, LogisticRegression(C=4, liblinear: one against the rest),
scikit-learn's defaults otherwise. Prints one JSON line: predicted labels, training
and prediction seconds.
"""
import csv
import json
import sys
import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union


def load(path):
    texts, labels = [], []
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for row in rows:
            labels.append(row[0])
            texts.append(row[1])
    return texts, labels


def main():
    lang, train_path, test_path = sys.argv[1:4]
    x_train, y_train = load(train_path)
    x_test, _ = load(test_path)
    if lang == "zh":
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    elif lang == "en":
        vec = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
        )
    else:
        sys.exit("unknown language " + lang)
    model = make_pipeline(vec, LogisticRegression(C=4.0, solver="liblinear"))
    start = time.perf_counter()
    model.fit(x_train, y_train)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predicted = list(model.predict(x_test))
    predict_seconds = time.perf_counter() - start
    print(json.dumps({"predicted": predicted, "train_seconds": train_seconds, "predict_seconds": predict_seconds}))


if __name__ == "__main__":
    main()
