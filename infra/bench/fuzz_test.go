package main

import (
	"math"
	"strings"
	"testing"
)

// FuzzParseSippStat: SIPp's statistics file never panics the parser, and what it accepts has a
// data line.
func FuzzParseSippStat(f *testing.F) {
	f.Add("StartTime;SuccessfulCall(C);FailedCall(C)\na;5;0\n")
	f.Add("SuccessfulCall(C);FailedCall(C)\n1;2\n3;4;5\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		ok, failed, err := parseSippStat(s)
		if err != nil && (ok != 0 || failed != 0) {
			t.Fatalf("error %v with counts %d, %d", err, ok, failed)
		}
	})
}

// FuzzAnswerRTP: an SDP answer never panics the generator, and an address it returns is valid.
func FuzzAnswerRTP(f *testing.F) {
	f.Add([]byte("v=0\r\no=edge 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 20004 RTP/AVP 0 101\r\n"))
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 ::1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP6 ::1\r\n"))
	f.Add([]byte("v=0\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := answerRTP(b)
		if err == nil && !a.Addr().IsValid() {
			t.Fatalf("accepted %q with an invalid address", b)
		}
	})
}

// FuzzParseForecastCSV: peers.R's output never panics the reader, and what it accepts is finite.
func FuzzParseForecastCSV(f *testing.F) {
	f.Add("interval_start,forecast,lo80,hi80,lo95,hi95\n2003-08-04T07:00:00,453.6,400,500,380,520\n")
	f.Add("interval_start,forecast,lo80,hi80,lo95,hi95\n2003-08-04T07:00:00,1e400,NA,NA,NA,NA\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseForecastCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		for at, p := range got {
			if math.IsNaN(p.f) || math.IsInf(p.f, 0) || math.IsInf(p.lo80, 0) || math.IsInf(p.hi95, 0) {
				t.Fatalf("%v = %v from %q", at, p, s)
			}
		}
	})
}
