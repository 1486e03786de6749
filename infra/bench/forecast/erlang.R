#!/usr/bin/env Rscript
# An independent Erlang C / Erlang A reference for the staffing check of the forecast bench
# (infra/bench/forecast_erlang.go runs this script).
#
#   Rscript erlang.R GRID.csv
#
# GRID.csv: calls,aht_s,interval_s,sl,within_s,patience_s,agents (one case a row; agents is the
# count to evaluate, e.g. the one ours chose). Prints CSV to stdout, one row per case:
#   ref_agents,sl,asa_s,pwait,abandon
# ref_agents: the fewest agents meeting the service-level target under Erlang C (patience_s 0),
#   else NA;
# sl, asa_s, pwait: Erlang C at `agents` (patience_s 0), or for patience_s > 0 pwait and the
#   abandonment rate of Erlang A (M/M/n+M) at `agents`, sl and asa_s NA.
#
# Erlang C is written through the Poisson distribution, which R evaluates with the incomplete
# gamma function (no factorials, no recursion shared with ours):
#   P(wait) = p(N) / (p(N) + (1 - A/N) * P(X <= N-1)),  X ~ Poisson(A), A = calls * AHT / interval
#   SL(t)   = 1 - P(wait) * exp(-(N - A) * t / AHT)
#   ASA     = P(wait) * AHT / (N - A)
# Erlang A is the birth-death chain of M/M/n+M (arrival rate l, service rate m per agent,
# abandonment rate q = 1/patience per waiting caller) solved in log space and truncated where
# the states' mass is negligible: P(wait) = P(K >= N), abandonment = q * E[queue] / l.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) stop("usage: Rscript erlang.R GRID.csv")
grid <- read.csv(args[1])

erlang_c <- function(A, N) {
  if (N <= A) return(1)
  pN <- dpois(N, A)
  pN / (pN + (1 - A / N) * ppois(N - 1, A))
}
sl_c <- function(A, N, aht, t) {
  if (N <= A) return(0)
  1 - erlang_c(A, N) * exp(-(N - A) * t / aht)
}

erlang_a <- function(l, m, q, N) {
  A <- l / m
  # log pi_k for k = 0..N (unnormalised): Poisson weights; above N, each state multiplies by
  # l / (N m + (k - N) q).
  lp <- dpois(0:N, A, log = TRUE)
  M <- 1000
  repeat {
    j <- seq_len(M) # states N + j
    tail <- lp[N + 1] + cumsum(log(l) - log(N * m + j * q))
    top <- max(lp, tail)
    if (tail[M] < top - 60 && tail[M] < tail[M - 1]) break
    if (M > 1e7) stop("Erlang A: the chain does not settle")
    M <- M * 4
  }
  all <- c(lp, tail)
  w <- exp(all - max(all))
  p <- w / sum(w)
  kk <- 0:(length(p) - 1)
  pwait <- sum(p[kk >= N])
  eq <- sum(pmax(kk - N, 0) * p)
  c(pwait = pwait, abandon = q * eq / l)
}

out <- t(vapply(seq_len(nrow(grid)), function(i) {
  g <- grid[i, ]
  A <- g$calls * g$aht_s / g$interval_s
  N <- g$agents
  if (g$patience_s > 0) {
    ea <- erlang_a(g$calls / g$interval_s, 1 / g$aht_s, 1 / g$patience_s, N)
    return(c(NA, NA, NA, ea[["pwait"]], ea[["abandon"]]))
  }
  ref <- floor(A) + 1
  while (sl_c(A, ref, g$aht_s, g$within_s) < g$sl) ref <- ref + 1
  pw <- erlang_c(A, N)
  asa <- if (N > A) pw * g$aht_s / (N - A) else Inf
  c(ref, sl_c(A, N, g$aht_s, g$within_s), asa, pw, 0)
}, numeric(5)))
colnames(out) <- c("ref_agents", "sl", "asa_s", "pwait", "abandon")
write.csv(format(as.data.frame(out), digits = 15), stdout(), row.names = FALSE, quote = FALSE)
