// Command lingxi is the project's command-line tool. Subcommands:
//
//	lingxi nlu eval --train FILE --test FILE    train an NLU model and evaluate it
//	lingxi nlu match --train FILE --test FILE   train a question-pair matcher (AFQMC CSV or JSON lines) and score it
//	lingxi voc spikes --history FILE --live FILE [--interval 5m] [--min-count N] [--threshold S] [--tz Zone]
//	                                             topic spikes against a seasonal baseline: a JSON line per alert, a summary last
//	lingxi sentiment eval --train FILE --test FILE [--format chnsenticorp|semeval|auto]
//	                                             train a sentiment model and score it: accuracy, macro recall (JSON last)
//	lingxi voice vad FILE.wav...                 the media edge's VAD on 8 kHz mono WAV: one JSON line per file
//	lingxi voice say --lang zh|en TEXT -o FILE   write what the local TTS (espeak-ng) would play, 8 kHz mono WAV
//	lingxi voice vad-bench [--silero SCRIPT]     VAD figures on FSDD clips in noise (JSON lines), for the bench
//	lingxi sim --arrivals FILE.csv --aht S --patience S (--agents N | --staffing FILE.csv) [--spike START,END,FACTOR] [--policy static|engine|all]
//	                                             simulate a queue under the dispatch engine's policies: one JSON line per policy
//	lingxi spike [--api URL] [--key FILE] [-n 60] [--queue general] [--channel chat]
//	                                             a burst of contacts to the local stack's demo tenant: one JSON line
//
// The last line of `nlu eval` and `nlu match` is one JSON object with the
// figures, for scripts (infra/bench reads it).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
