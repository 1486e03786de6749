package sip

import (
	"bytes"
	"errors"
	"net"
	"slices"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// maxEchoedLine bounds a header line copied from an unparseable request into its 400.
const maxEchoedLine = 1024

// readFilter sees every UDP datagram before sipgo parses it. sipgo drops a datagram it cannot
// parse without answering; the edge answers such a request with 400 when the request carries
// enough to route a response (Via, CSeq), and drops it either way.
func (s *Server) readFilter(p sip.TransportReadProps, data []byte) ([]byte, error) {
	if !strings.EqualFold(p.Transport, "udp") || len(bytes.Trim(data, "\r\n\x00")) == 0 {
		return data, nil
	}
	if _, err := s.parser.ParseSIP(data); err == nil {
		return data, nil
	}
	s.log.Debug("sip unparseable datagram", "source", p.RemoteAddr, "bytes", len(data))
	if res := badRequest(data, s.cfg.UserAgent); res != nil {
		s.mu.Lock()
		conn := s.udp
		s.mu.Unlock()
		if conn != nil {
			if _, err := conn.WriteTo(res, p.RemoteAddr); err != nil && !isClosed(err) {
				s.log.Debug("sip 400 for unparseable datagram", "err", err)
			}
		}
	}
	return nil, nil
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }

// badRequest builds a 400 for an unparseable request from its raw header lines, or nil when it is
// not a request (or an ACK) or lacks Via or CSeq.
func badRequest(data []byte, server string) []byte {
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\n")
	start := strings.Fields(strings.TrimRight(lines[0], "\r"))
	if len(start) != 3 || start[2] != "SIP/2.0" || strings.EqualFold(start[0], "ACK") {
		return nil
	}
	var via []string
	var from, to, callID, cseq string
	for _, ln := range lines[1:] {
		ln = strings.TrimRight(ln, "\r")
		if ln == "" || len(ln) > maxEchoedLine || !printable(ln) {
			continue
		}
		name, value, ok := strings.Cut(ln, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "via", "v":
			via = append(via, value)
		case "from", "f":
			from = value
		case "to", "t":
			to = value
		case "call-id", "i":
			callID = value
		case "cseq":
			cseq = value
		}
	}
	// Echo only what parses on its own: a broken header in the answer would be dropped by the
	// peer's parser with the rest of it.
	via = slices.DeleteFunc(via, func(v string) bool { return !headerParses("Via", v) })
	if len(via) == 0 {
		return nil
	}
	if f := strings.Fields(cseq); len(f) == 2 && strings.EqualFold(f[1], "ACK") {
		return nil
	}
	for _, h := range []struct {
		name  string
		value *string
	}{{"From", &from}, {"To", &to}, {"Call-ID", &callID}, {"CSeq", &cseq}} {
		if *h.value != "" && !headerParses(h.name, *h.value) {
			*h.value = ""
		}
	}
	if to != "" && !strings.Contains(strings.ToLower(to), ";tag=") {
		to += ";tag=" + sip.GenerateTagN(10)
	}
	var b strings.Builder
	b.WriteString("SIP/2.0 400 Bad Request\r\n")
	for _, v := range via {
		b.WriteString("Via: " + v + "\r\n")
	}
	for _, h := range [][2]string{{"From", from}, {"To", to}, {"Call-ID", callID}, {"CSeq", cseq}} {
		if h[1] != "" {
			b.WriteString(h[0] + ": " + h[1] + "\r\n")
		}
	}
	b.WriteString("Server: " + server + "\r\nWarning: 399 lingxi \"Malformed message\"\r\nContent-Length: 0\r\n\r\n")
	return []byte(b.String())
}

// headerParses reports whether one header parses as sipgo would parse it.
func headerParses(name, value string) bool {
	_, err := sip.ParseMessage([]byte("SIP/2.0 400 Bad Request\r\n" + name + ": " + value + "\r\nContent-Length: 0\r\n\r\n"))
	return err == nil
}

// printable reports whether a header line holds only visible ASCII, spaces and tabs.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < ' ' && s[i] != '\t') || s[i] > '~' {
			return false
		}
	}
	return true
}
