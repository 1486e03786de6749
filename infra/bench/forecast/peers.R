#!/usr/bin/env Rscript
# The R peers of the forecast bench (infra/bench/forecast.go runs this script).
#
#   Rscript peers.R --train TRAIN.csv --test TEST.csv --peer PEER --scheme one-shot|rolling-daily --out F.csv
#
# Reads the two bank formats our CLI reads (detected from the header):
#   US bank:     datetime_local,date,interval_start,calls                 (5-minute counts)
#   Israeli bank: date,interval_index,interval_start,weekday,calls        (6-minute counts)
# sums them into 30-minute intervals over the open window (US: weekdays, the 28 half-hours of
# 07:00-21:00, the partial 21:00-21:05 slot dropped; Israel: all 48 half-hours of every day), lays
# the days on a grid (US: Monday-Friday; Israel: every day; a day absent from the files is a row of
# NA, filled by forecast::na.interp for the peers that need a complete series), fits PEER on the
# training file only and forecasts the test period: all of it from the end of the training file
# (one-shot), or each test day from all days before it, the test file's earlier days included
# (rolling-daily: one fit per test day). Forecasts below 0 are set to 0.
#
# Writes the forecasts to --out as CSV `interval_start,forecast,lo80,hi80,lo95,hi95` (local
# wall-clock time, 2006-01-02T15:04:05; the prediction intervals NA for the baselines, which have
# none) for every interval of the test days present in the test file; the Go harness scores them
# with the same code as ours. Prints one JSON line last:
#   {"peer":…,"scheme":…,"fit_seconds":…,"fits":…,"points":…}
# fit_seconds is the wall-clock time of fitting and forecasting, summed over the fits.
#
# Peers (periods: US 28 and 140 half-hours, Israel 48 and 336):
#   snaive     seasonal naive: the same half-hour of the same weekday one week earlier
#   wmean4     weekday x half-hour mean of the last 4 weeks
#   stlm_ets   forecast::stlm(msts(y, periods), method = "ets")  (MSTL, then ETS on the adjusted series)
#   stlm_arima forecast::stlm(..., method = "arima")
#   tbats      forecast::tbats(msts(y, periods), use.parallel = FALSE)
#   prophet    prophet::prophet(daily and weekly seasonality, no yearly), on the observed intervals
#              (its 95% interval: the same fit predicted again with interval.width 0.95)

suppressPackageStartupMessages({
  library(forecast)
})

args <- commandArgs(trailingOnly = TRUE)
opt <- list(scheme = "one-shot")
i <- 1
while (i <= length(args)) {
  key <- sub("^--", "", args[i])
  if (i == length(args)) stop(sprintf("--%s needs a value", key))
  opt[[key]] <- args[i + 1]
  i <- i + 2
}
for (k in c("train", "test", "peer", "out")) {
  if (is.null(opt[[k]])) stop(sprintf("--%s is required", k))
}
if (!(opt$scheme %in% c("one-shot", "rolling-daily"))) stop("--scheme: one-shot or rolling-daily")

# read_bank returns data.frame(date = Date, slot = 0-based half-hour, calls) of complete
# half-hours inside the open window, and the bank's layout.
read_bank <- function(path) {
  d <- read.csv(path, stringsAsFactors = FALSE)
  if (identical(names(d), c("datetime_local", "date", "interval_start", "calls"))) {
    bank <- list(name = "US", first = 7 * 60, slots = 28, days = "weekdays", step = 5)
  } else if (identical(names(d), c("date", "interval_index", "interval_start", "weekday", "calls"))) {
    bank <- list(name = "IL", first = 0, slots = 48, days = "all", step = 6)
  } else {
    stop(sprintf("%s: unknown header %s", path, paste(names(d), collapse = ",")))
  }
  hm <- strsplit(d$interval_start, ":", fixed = TRUE)
  minute <- vapply(hm, function(p) as.numeric(p[1]) * 60 + as.numeric(p[2]), 0)
  slot <- floor((minute - bank$first) / 30)
  keep <- slot >= 0 & slot < bank$slots & !is.na(d$calls)
  key <- data.frame(date = as.Date(d$date[keep]), slot = slot[keep], calls = as.numeric(d$calls[keep]))
  sums <- aggregate(calls ~ date + slot, data = key, FUN = sum)
  counts <- aggregate(calls ~ date + slot, data = key, FUN = length)
  full <- counts$calls == 30 / bank$step
  list(bank = bank, obs = sums[full, ])
}

tr <- read_bank(opt$train)
te <- read_bank(opt$test)
if (tr$bank$name != te$bank$name) stop("the train and test files are of different banks")
bank <- tr$bank
P <- bank$slots
W <- if (bank$days == "weekdays") 5 * P else 7 * P

# The day grid from the first training day to the last test day.
all_days <- seq(min(tr$obs$date), max(te$obs$date), by = "day")
if (bank$days == "weekdays") {
  wd <- as.POSIXlt(all_days)$wday
  all_days <- all_days[wd >= 1 & wd <= 5]
}
test_start <- min(te$obs$date)
n_train_days <- sum(all_days < test_start)
M <- matrix(NA_real_, nrow = length(all_days), ncol = P)
for (o in list(tr$obs[tr$obs$date < test_start, ], te$obs)) {
  M[cbind(match(o$date, all_days), o$slot + 1)] <- o$calls
}
y_all <- as.vector(t(M)) # day by day, slot by slot
stamp <- function(day_idx, slot) {
  sprintf("%sT%02d:%02d:00", format(all_days[day_idx]), (bank$first + 30 * slot) %/% 60, (bank$first + 30 * slot) %% 60)
}

# weekly_lookup: value at the same weekly position k weeks before index j (1-based), from y.
snaive_f <- function(y, h) {
  n <- length(y)
  out <- numeric(h)
  for (j in seq_len(h)) {
    v <- NA
    back <- 1
    while (is.na(v) && n + j - back * W >= 1) {
      idx <- n + j - back * W
      if (idx <= n) v <- y[idx]
      back <- back + 1
    }
    out[j] <- v
  }
  out
}
wmean4_f <- function(y, h) {
  n <- length(y)
  out <- numeric(h)
  for (j in seq_len(h)) {
    # the 4 latest weeks at this weekly position that lie inside y
    first_back <- ceiling(j / W) # the smallest k with n + j - k*W <= n
    idx <- n + j - (first_back:(first_back + 3)) * W
    idx <- idx[idx >= 1]
    out[j] <- mean(y[idx], na.rm = TRUE)
  }
  out
}
fill <- function(y) {
  x <- msts(y, seasonal.periods = c(P, W))
  if (anyNA(x)) x <- na.interp(x)
  x
}
# A peer's forecast is a matrix of h rows: mean, lo80, hi80, lo95, hi95.
bands <- function(fc) {
  cbind(as.numeric(fc$mean), fc$lower[, 1], fc$upper[, 1], fc$lower[, 2], fc$upper[, 2])
}
point_only <- function(x) cbind(x, NA, NA, NA, NA)
peer_f <- function(y, h, first_day) {
  switch(opt$peer,
    snaive = point_only(snaive_f(y, h)),
    wmean4 = point_only(wmean4_f(y, h)),
    stlm_ets = bands(forecast(stlm(fill(y), method = "ets"), h = h, level = c(80, 95))),
    stlm_arima = bands(forecast(stlm(fill(y), method = "arima"), h = h, level = c(80, 95))),
    tbats = bands(forecast(tbats(fill(y), use.parallel = FALSE), h = h, level = c(80, 95))),
    prophet = prophet_f(y, h, first_day),
    stop(sprintf("unknown peer %s", opt$peer))
  )
}
prophet_f <- function(y, h, first_day) {
  suppressPackageStartupMessages(library(prophet))
  n <- length(y)
  ds_of <- function(pos) { # pos: 1-based positions in y_all
    d <- (pos - 1) %/% P + 1
    s <- (pos - 1) %% P
    as.POSIXct(stamp(d, s), format = "%Y-%m-%dT%H:%M:%S", tz = "UTC")
  }
  ok <- which(!is.na(y))
  df <- data.frame(ds = ds_of(ok), y = y[ok])
  m <- prophet(df, daily.seasonality = TRUE, weekly.seasonality = TRUE, yearly.seasonality = FALSE, interval.width = 0.8)
  fut <- data.frame(ds = ds_of(n + seq_len(h)))
  p80 <- predict(m, fut)
  m$interval.width <- 0.95
  p95 <- predict(m, fut)
  cbind(p80$yhat, p80$yhat_lower, p80$yhat_upper, p95$yhat_lower, p95$yhat_upper)
}

test_days <- which(all_days >= test_start & all_days %in% te$obs$date)
fc <- matrix(NA_real_, nrow = length(y_all), ncol = 5)
fit_seconds <- 0
fits <- 0
timed <- function(expr) {
  t0 <- proc.time()[["elapsed"]]
  v <- expr
  fit_seconds <<- fit_seconds + proc.time()[["elapsed"]] - t0
  fits <<- fits + 1
  v
}
if (opt$scheme == "one-shot") {
  n <- n_train_days * P
  h <- length(y_all) - n
  fc[n + seq_len(h), ] <- timed(peer_f(y_all[seq_len(n)], h, n_train_days + 1))
} else {
  for (d in test_days) {
    n <- (d - 1) * P
    fc[n + seq_len(P), ] <- timed(peer_f(y_all[seq_len(n)], P, d))
  }
}
fc[] <- pmax(fc, 0) # NA stays NA

rows <- unlist(lapply(test_days, function(d) (d - 1) * P + seq_len(P)))
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.4f", x))
out <- data.frame(
  interval_start = stamp((rows - 1) %/% P + 1, (rows - 1) %% P),
  forecast = num(fc[rows, 1]),
  lo80 = num(fc[rows, 2]), hi80 = num(fc[rows, 3]), lo95 = num(fc[rows, 4]), hi95 = num(fc[rows, 5])
)
write.csv(out, opt$out, row.names = FALSE, quote = FALSE)
cat(sprintf("{\"peer\":\"%s\",\"scheme\":\"%s\",\"fit_seconds\":%.3f,\"fits\":%d,\"points\":%d}\n",
  opt$peer, opt$scheme, fit_seconds, fits, length(rows)))
