package devstack

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func sortStrings(l []string) []string {
	sort.Strings(l)
	return l
}

// newUUID returns a random RFC 4122 version 4 UUID, the shape of Lambda request ids.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newTraceID returns an X-Ray trace header like the one Lambda passes to the runtime.
func newTraceID() string {
	var b [20]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0;Lineage=1:%s:0", time.Now().Unix(), h[:24], h[24:40], h[:8])
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// apiGatewayID returns a stable 10-character id of the shape API Gateway gives APIs.
func apiGatewayID(seed string) string {
	sum := sha1.Sum([]byte(seed))
	b := make([]byte, 10)
	for i := range b {
		b[i] = alnum[int(sum[i])%len(alnum)]
	}
	return string(b)
}

// apiRequestID returns an id of the shape of API Gateway's requestId / apigw-requestid.
func apiRequestID() string {
	var b [10]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])[:14] + "="
}

// connectionID returns an id of the shape API Gateway gives WebSocket connections (16 characters
// ending in '='), kept to letters and digits so it is safe in a URL path unescaped.
func connectionID() string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [15]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b[:]) + "="
}

// physicalName derives a deterministic local name from the stack name and logical id, trimmed to
// max with a hash suffix when too long.
func physicalName(stack, logicalID string, max int, lower bool) string {
	n := stack + "-" + logicalID
	if lower {
		n = strings.ToLower(n)
		n = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
				return r
			}
			return '-'
		}, n)
	}
	if len(n) > max {
		sum := sha1.Sum([]byte(n))
		suffix := "-" + hex.EncodeToString(sum[:])[:8]
		n = n[:max-len(suffix)] + suffix
	}
	return n
}

func toInt(v any, def int) (int, error) {
	switch x := v.(type) {
	case nil:
		return def, nil
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case uint64:
		return int(x), nil
	case float64:
		return int(x), nil
	case string:
		if x == "" {
			return def, nil
		}
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, fmt.Errorf("%q is not a whole number", x)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("%v is not a number", v)
	}
}

func toBool(v any, def bool) (bool, error) {
	switch x := v.(type) {
	case nil:
		return def, nil
	case bool:
		return x, nil
	case string:
		b, err := strconv.ParseBool(x)
		if err != nil {
			return false, fmt.Errorf("%q is not a boolean", x)
		}
		return b, nil
	default:
		return false, fmt.Errorf("%v is not a boolean", v)
	}
}

// writeFileAtomic replaces path with data so that a crash never leaves a half-written file.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// logSink serialises whole lines from many writers onto one io.Writer.
type logSink struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *logSink) line(prefix, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	io.WriteString(s.w, prefix+text+"\n")
}

// lineWriter splits a child process's output into lines and writes each with a prefix.
type lineWriter struct {
	sink   *logSink
	prefix string
	mu     sync.Mutex
	buf    []byte
}

const maxLogLine = 256 << 10

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			if len(w.buf) > maxLogLine {
				w.sink.line(w.prefix, string(w.buf))
				w.buf = w.buf[:0]
			}
			return len(p), nil
		}
		w.sink.line(w.prefix, strings.TrimSuffix(string(w.buf[:i]), "\r"))
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.sink.line(w.prefix, string(w.buf))
		w.buf = nil
	}
}
