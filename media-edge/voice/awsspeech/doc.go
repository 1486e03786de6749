// Package awsspeech holds the production speech engines: Amazon Polly for synthesis and Amazon
// Transcribe streaming for recognition, both at 8 kHz so no resampling sits between them and the
// line.
//
//	polly.go       Polly: SynthesizeSpeech, PCM at 8000 Hz, zh-CN voice Zhiyu and en-US voice Joanna (neural)
//	transcribe.go  Transcribe: StartStreamTranscription over HTTP/2, event-stream framing, SigV4
//	               chunk signatures (the SDK's transcribestreaming module is not served by the module
//	               proxy this project can reach, so the protocol is spoken here with the SDK's
//	               eventstream codec and stream signer)
//
// Neither has been run against AWS (no account exists for this project): the tests check the
// requests they build and the answers they map against loopback servers.
package awsspeech
