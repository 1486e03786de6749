package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// command is one subcommand; run gets the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the dispatch table, nested by word: "nlu eval" lives under
// "nlu". New subcommands are new entries.
var commands = map[string]map[string]command{
	"nlu": {
		"eval":  {summary: "train on --train, evaluate on --test, print a JSON summary last", run: nluEval},
		"match": {summary: "train a question-pair matcher on --train, score it on --test, print a JSON summary last", run: nluMatch},
	},
	"forecast": {"eval": {summary: "fit on --train (bank CSV), forecast --test one-shot or rolling-daily, print the peers' metrics as JSON last", run: forecastEval}},
	"staffing": {
		"erlang": {summary: "agents one interval needs for --sl X/T or --asa (Erlang C; Erlang A with --patience), one JSON line", run: staffingErlang},
	},
	"voc": {"spikes": {summary: "learn a seasonal baseline from --history, scan --live for topic spikes: a JSON line per alert, a summary last", run: vocSpikes}},
	"voice": {
		"vad":       {summary: "find speech in 8 kHz mono WAV files, one JSON line per file", run: voiceVAD},
		"say":       {summary: "--lang zh|en TEXT -o FILE.wav: write what the local TTS would play", run: voiceSay},
		"vad-bench": {summary: "score the VAD, an energy baseline and (--silero) Silero on FSDD clips in noise, JSON lines", run: voiceVADBench},
	},
	"sentiment": {
		"eval": {summary: "train a sentiment model on --train (ChnSentiCorp or SemEval TSV), score it on --test, print a JSON summary last", run: sentimentEval},
	},
}

// single are the commands of one word ("lingxi sim"); run gets the arguments after it.
var single = map[string]command{
	"sim":   {summary: "simulate a queue on an arrivals series under static, engine and each strategy alone; a JSON line per policy last", run: simRun},
	"spike": {summary: "send a burst of contacts (POST /v1/contacts, default 60 on general/chat) to the local stack's demo tenant; a JSON line last", run: spikeRun},
}

// errUsage means the arguments were wrong; the usage has been printed.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if cmd, ok := single[args[0]]; ok {
			return exitCode(args[0], cmd.run(ctx, args[1:], stdout, stderr), stderr)
		}
	}
	if len(args) < 2 {
		usage(stderr)
		return 2
	}
	group, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "lingxi: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	cmd, ok := group[args[1]]
	if !ok {
		fmt.Fprintf(stderr, "lingxi: unknown command %q\n", args[0]+" "+args[1])
		usage(stderr)
		return 2
	}
	return exitCode(args[0]+" "+args[1], cmd.run(ctx, args[2:], stdout, stderr), stderr)
}

// exitCode is a command's exit status: 2 for a usage error (already printed), 1 for another
// error (printed here), 0.
func exitCode(name string, err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	fmt.Fprintf(stderr, "lingxi %s: %v\n", name, err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: lingxi COMMAND [SUBCOMMAND] [flags]")
	var names []string
	for g, cmds := range commands {
		for c := range cmds {
			names = append(names, g+" "+c)
		}
	}
	for c := range single {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, n := range names {
		g, c, ok := strings.Cut(n, " ")
		if !ok {
			fmt.Fprintf(w, "  %-12s %s\n", n, single[n].summary)
			continue
		}
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[g][c].summary)
	}
}
