package media_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/lingxi/lingxi/media-edge/media"
)

// Two sessions on loopback: one plays a prompt and sends a key press, the other hears both.
func Example() {
	ports, err := media.NewPorts(netip.MustParseAddr("127.0.0.1"), 43200, 43298)
	if err != nil {
		panic(err)
	}
	a, _ := ports.Listen()
	defer a.Close()
	b, _ := ports.Listen()
	defer b.Close()
	addr := func(c interface{ LocalAddr() net.Addr }) netip.AddrPort {
		return netip.MustParseAddrPort(c.LocalAddr().String())
	}
	bob, _ := media.NewSession(b, media.Params{Remote: addr(a), Codec: media.PCMU, DTMFPayloadType: 101}, media.Options{})
	alice, _ := media.NewSession(a, media.Params{Remote: addr(b), Codec: media.PCMU, DTMFPayloadType: 101}, media.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	for _, s := range []*media.Session{alice, bob} {
		go func() { s.Run(ctx); done <- struct{}{} }()
	}
	go func() {
		for range alice.Frames() {
		}
	}()

	prompt := make([]int16, 10*media.FrameSamples) // 200 ms
	for i := range prompt {
		prompt[i] = 8000
	}
	pb := alice.Play(media.PCM(prompt))
	<-pb.Done()
	alice.SendDTMF('5', 100*time.Millisecond)

	heard := false
	for !heard {
		f := <-bob.Frames()
		heard = f.Caller[0] > 7000
	}
	d := <-bob.DTMF()
	fmt.Println("bob heard the prompt:", heard, "and the key:", string(d.Key), d.Duration)
	cancel()
	<-done
	<-done
	// Output: bob heard the prompt: true and the key: 5 100ms
}
