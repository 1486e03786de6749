package sip_test

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/lingxi/lingxi/media-edge/sip"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/voicecfg"
)

// ports stands in for media.Ports.
type ports struct{}

func (ports) Listen() (*net.UDPConn, error) {
	return net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
}

// Example wires a server: every answered call goes to the handler with its RTP socket and
// negotiated media; the handler follows re-INVITEs through Updates, calls Touch for each RTP
// packet it receives, and returns (or calls Hangup) to end the call with a BYE.
func Example() {
	var dir voicecfg.Directory      // the DynamoDB-backed directory
	var regs voicecfg.Registrations // the DynamoDB-backed registrations
	handler := sip.CallHandlerFunc(func(ctx context.Context, c *sip.Call) {
		p := c.Params() // codec, remote address, DTMF payload type, SRTP keys, direction
		_ = p
		for {
			select {
			case <-ctx.Done(): // BYE, CANCEL, inactivity, shutdown: see c.Ended()
				return
			case p, ok := <-c.Updates(): // hold, resume, a new remote address
				if !ok {
					return
				}
				_ = p
			}
		}
	})
	srv, err := sip.NewServer(sip.Config{
		UDP: "127.0.0.1:5060", TCP: "127.0.0.1:5060",
		Advertise: netip.MustParseAddr("127.0.0.1"), RTPInactivity: 30 * time.Second,
	}, sip.Deps{Directory: dir, Registrations: regs, Ports: ports{}, Calls: handler, Log: slog.Default()})
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = srv.Serve(ctx, func() { /* ready: report healthy */ }) }()
	// First SIGTERM: srv.Drain(), then wait for srv.Active() == 0; second: cancel().
}

// ExampleServer_Dial transfers a caller to an agent: dial the agent's registered softphone,
// bridge the two RTP sockets (package media), and end both legs when either side hangs up.
func ExampleServer_Dial() {
	var srv *sip.Server
	var call *sip.Call // inside ServeCall
	var t tenant.ID = call.Tenant
	leg, err := srv.Dial(call.Context(), t, "account:alice", call.From)
	if err != nil {
		return // *sip.RejectedError (busy, declined), sip.ErrNoAnswer, sip.ErrNotRegistered
	}
	// bridge(call.Conn, call.Params(), leg.Conn, leg.Params()) in package media ...
	select {
	case <-leg.Done(): // the agent hung up (leg.Ended() == "callee", "bye")
		call.Hangup("transfer_ended")
	case <-call.Context().Done(): // the caller hung up
		leg.Hangup("caller_gone")
		<-leg.Done()
	}
}
