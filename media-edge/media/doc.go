// Package media is the RTP side of a call at the media edge: one Session per call, run by the
// call's context, with a reader goroutine and a 20 ms ticker.
//
// Files, one concern each:
//
//   - params.go: Params, what SDP offer/answer settled (remote, codec, telephone-event, SDES,
//     direction as the peer declared it).
//   - ports.go: Ports, the configured RTP range (even ports); the kernel records what is in use.
//   - session.go: Session: the receive path (source check, SRTP, RTP parse, routing by payload
//     type), the ticker (monotonic schedule, late and skipped ticks), sending, Play, SendDTMF,
//     Update (hold, resume, new remote or keys), Stats.
//   - jitter.go: sequence tracking (duplicates, reordering, loss, restarts) and the jitter buffer:
//     a ring of 16 slots addressed by RTP timestamp relative to the playout point, 60 ms target
//     depth, growing a frame when packets come (nearly) late and shedding one when a fast sender
//     keeps it over target; loss concealment (the last frame at half, then a quarter, then
//     silence).
//   - g711.go: µ-law and A-law by tables built from the ITU's G.191 reference code.
//   - dtmf.go: RFC 4733 payloads, the receiver (one Digit per key press) and the sender's schedule.
//   - sdes.go: SDES keys and a=crypto lines (RFC 4568), the SRTP contexts (pion/srtp/v3).
//   - playback.go: Source, PCM (a prompt), Live (a transfer bridge), Playback.
//   - recorder.go: S3Recorder, the stereo WAV streamed to S3 by multipart upload.
//   - clock.go: the Clock a session paces itself by (tests drive ticks one by one).
//
// A call's wiring, as the orchestrator does it:
//
//	conn, _ := ports.Listen()               // before answering: the port goes in the SDP answer
//	defer conn.Close()
//	rec, _ := media.NewS3Recorder(ctx, s3c, bucket, key, media.RecorderOptions{})
//	s, _ := media.NewSession(conn, params, media.Options{Recorder: rec, OnPacket: sip.Touch})
//	go s.Run(callCtx)                       // returns after callCtx ends; Frames/DTMF then close
//	for f := range s.Frames() { vad.Feed(f.Caller, f.Played) }
//	key, _ := rec.Close(context.WithoutCancel(ctx))
package media
