#!/usr/bin/python3
"""scikit-learn peers for the AFQMC part of infra/bench: question-pair matching.

usage: peer_afqmc.py TRAIN.csv TEST.csv
Both files have the header sentence1,sentence2,label. Three systems:

  tfidf-cos  TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf)
             fitted on the training sentences; cosine of the two sides; the
             accuracy-maximising threshold on the training pairs.
  bm25       Okapi BM25 (k1 1.2, b 0.75) over character 1-2-grams, IDF from the
             training sentences, min of the two directions each relative to a
             verbatim match; threshold as above.
  lr-pair    LogisticRegression (C=1) on pair features: the two scores above,
             character 1/2/3-gram Jaccard, length ratio and absolute length
             difference; threshold as above.

Retrieval: the test file's label-1 pairs form a knowledge base of their
sentence2 texts; each sentence1 is a query; recall@1/@5 by TF-IDF cosine and
by BM25. Prints one JSON line.
"""
import csv
import json
import sys
import time

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["sentence1"] for r in rows], [r["sentence2"] for r in rows], np.array([int(r["label"]) for r in rows])


def best_threshold(scores, y):
    order = np.argsort(scores)
    s, yy = scores[order], y[order]
    # cut before i: [0, i) predicted 0, [i, n) predicted 1
    neg_before = np.concatenate([[0], np.cumsum(yy == 0)])
    pos_after = np.concatenate([[0], np.cumsum(yy[::-1] == 1)])[::-1]
    correct = neg_before + pos_after
    i = int(np.argmax(correct))
    if i == 0:
        return s[0]
    if i == len(s):
        return s[-1] + 1e-9
    return (s[i - 1] + s[i]) / 2


class BM25:
    def __init__(self, texts, k1=1.2, b=0.75):
        self.cv = CountVectorizer(analyzer="char", ngram_range=(1, 2))
        tf = self.cv.fit_transform(texts)
        n = tf.shape[0]
        df = np.asarray((tf > 0).sum(axis=0)).ravel()
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self.avg = tf.sum() / n
        self.k1, self.b = k1, b

    def doc_matrix(self, texts):
        tf = self.cv.transform(texts).tocsr().astype(float)
        dl = np.asarray(tf.sum(axis=1)).ravel()
        norm = self.k1 * (1 - self.b + self.b * dl / self.avg)
        tf = tf.tocoo()
        data = tf.data * (self.k1 + 1) / (tf.data + norm[tf.row])
        return sparse.csr_matrix((data, (tf.row, tf.col)), shape=tf.shape)

    def query_matrix(self, texts):
        q = (self.cv.transform(texts) > 0).astype(float)
        return q.multiply(self.idf).tocsr()

    def pair_scores(self, a, b):
        qa, qb = self.query_matrix(a), self.query_matrix(b)
        da, db = self.doc_matrix(a), self.doc_matrix(b)
        ab = np.asarray(qa.multiply(db).sum(axis=1)).ravel()
        ba = np.asarray(qb.multiply(da).sum(axis=1)).ravel()
        self_a = np.asarray(qa.multiply(da).sum(axis=1)).ravel()
        self_b = np.asarray(qb.multiply(db).sum(axis=1)).ravel()
        return np.minimum(ab / np.maximum(self_a, 1e-9), ba / np.maximum(self_b, 1e-9))


def cosines(vec, a, b):
    va, vb = vec.transform(a), vec.transform(b)
    return np.asarray(va.multiply(vb).sum(axis=1)).ravel()


def jaccard(a, b, n):
    out = np.zeros(len(a))
    for i, (x, y) in enumerate(zip(a, b)):
        sx = {x[j:j + n] for j in range(len(x) - n + 1)}
        sy = {y[j:j + n] for j in range(len(y) - n + 1)}
        u = len(sx | sy)
        out[i] = len(sx & sy) / u if u else 0
    return out


def pair_features(vec, bm, a, b):
    la = np.array([len(x) for x in a], float)
    lb = np.array([len(x) for x in b], float)
    return np.column_stack([
        cosines(vec, a, b), bm.pair_scores(a, b),
        jaccard(a, b, 1), jaccard(a, b, 2), jaccard(a, b, 3),
        np.minimum(la, lb) / np.maximum(np.maximum(la, lb), 1), np.abs(la - lb) / 20,
    ])


def recall(rank_scores, gold):
    """rank_scores: queries x kb dense; gold: list of sets of kb indexes."""
    r1 = r5 = 0
    for i, g in enumerate(gold):
        top = np.argsort(-rank_scores[i], kind="stable")[:5]
        r1 += top[0] in g
        r5 += any(t in g for t in top)
    return r1 / len(gold), r5 / len(gold)


def main():
    train_path, test_path = sys.argv[1:3]
    a_tr, b_tr, y_tr = load(train_path)
    a_te, b_te, y_te = load(test_path)
    sentences = sorted(set(a_tr) | set(b_tr))
    out = {}

    start = time.perf_counter()
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True).fit(sentences)
    t = best_threshold(cosines(vec, a_tr, b_tr), y_tr)
    acc = float(np.mean((cosines(vec, a_te, b_te) >= t) == y_te))
    out["tfidf-cos"] = {"accuracy": acc, "threshold": float(t), "train_seconds": time.perf_counter() - start}

    start = time.perf_counter()
    bm = BM25(sentences)
    t = best_threshold(bm.pair_scores(a_tr, b_tr), y_tr)
    acc = float(np.mean((bm.pair_scores(a_te, b_te) >= t) == y_te))
    out["bm25"] = {"accuracy": acc, "threshold": float(t), "train_seconds": time.perf_counter() - start}

    start = time.perf_counter()
    x_tr = pair_features(vec, bm, a_tr, b_tr)
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(x_tr, y_tr)
    t = best_threshold(lr.predict_proba(x_tr)[:, 1], y_tr)
    acc = float(np.mean((lr.predict_proba(pair_features(vec, bm, a_te, b_te))[:, 1] >= t) == y_te))
    out["lr-pair"] = {"accuracy": acc, "threshold": float(t), "train_seconds": time.perf_counter() - start}

    # Retrieval over the test fold's label-1 pairs.
    kb, kb_id, queries, gold = [], {}, [], {}
    for a, b, y in zip(a_te, b_te, y_te):
        if y != 1:
            continue
        if b not in kb_id:
            kb_id[b] = len(kb)
            kb.append(b)
        if a not in gold:
            gold[a] = set()
            queries.append(a)
        gold[a].add(kb_id[b])
    golds = [gold[q] for q in queries]
    cos = (vec.transform(queries) @ vec.transform(kb).T).toarray()
    out["tfidf-cos"]["recall_at_1"], out["tfidf-cos"]["recall_at_5"] = recall(cos, golds)
    bms = (bm.query_matrix(queries) @ bm.doc_matrix(kb).T).toarray()
    out["bm25"]["recall_at_1"], out["bm25"]["recall_at_5"] = recall(bms, golds)
    out["kb_size"], out["kb_queries"] = len(kb), len(queries)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
