#!/usr/bin/python3
"""scikit-learn peers for infra/bench's topics part: clustering short texts.

usage: peer_topics.py LANG TEXTS.csv
TEXTS.csv has columns text and category; LANG is "en" (word 1-2-grams,
English stop words) or "zh" (character 1-3-grams). Both use TfidfVectorizer
with sublinear tf. The peers:

  kmeans-true-k: KMeans(k = the number of distinct categories, k-means++,
                 n_init=3, random_state=0): told the true k, which we are not;
  agglo-average: AgglomerativeClustering(average linkage, cosine distance,
                 distance_threshold 1 - THRESHOLD): the same cut rule as ours
                 (THRESHOLD is the third argument, default 0.12).

Prints one JSON line: per peer the labels and the seconds taken
(vectorising included).
"""
import csv
import json
import sys
import time

from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_distances


def vectorizer(lang):
    if lang == "zh":
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", min_df=2)


def main():
    lang, path = sys.argv[1:3]
    threshold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.12
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [r["text"] for r in rows]
    k = len({r["category"] for r in rows})
    out = {}

    start = time.perf_counter()
    x = vectorizer(lang).fit_transform(texts)
    labels = KMeans(n_clusters=k, init="k-means++", n_init=3, random_state=0).fit_predict(x)
    out["kmeans-true-k"] = {"labels": [int(v) for v in labels], "seconds": time.perf_counter() - start}

    start = time.perf_counter()
    x = vectorizer(lang).fit_transform(texts)
    d = cosine_distances(x)
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                    distance_threshold=1 - threshold)
    labels = model.fit_predict(d)
    out["agglo-average"] = {"labels": [int(v) for v in labels], "seconds": time.perf_counter() - start}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
