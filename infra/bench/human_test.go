package main

import (
	"strings"
	"testing"
)

func TestParseDecide(t *testing.T) {
	out := `goos: linux
BenchmarkDecide500Agents2000Contacts         	     300	   3969412 ns/op	   1810000 p50-ns	   5120000 p99-ns	       250.0 assigned	 1234 B/op	  12 allocs/op
BenchmarkDecide500Agents2000Contacts         	     300	   3000000 ns/op	   1700000 p50-ns	   4000000 p99-ns	       250.0 assigned	 1234 B/op	  12 allocs/op
BenchmarkDecide500Agents2000Contacts         	     300	   3000000 ns/op	   1900000 p50-ns	   4500000 p99-ns	       250.0 assigned	 1234 B/op	  12 allocs/op
BenchmarkDecide500Agents2000ContactsFewFree-2	    1000	    900000 ns/op	    800000 p50-ns	    990000 p99-ns	         5.000 assigned	 1 B/op	  1 allocs/op
PASS
`
	runs, err := parseDecide(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs["BenchmarkDecide500Agents2000Contacts"]) != 3 || len(runs["BenchmarkDecide500Agents2000ContactsFewFree"]) != 1 {
		t.Fatalf("runs %+v", runs)
	}
	var b strings.Builder
	renderDecide(&b, runs, "go test")
	for _, want := range []string{"| 1.81 ms | 4.50 ms | 4.00 ms – 5.12 ms |", "| 0.80 ms | 0.99 ms |"} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("no %q in\n%s", want, b.String())
		}
	}
	if _, err := parseDecide("PASS\n"); err == nil {
		t.Fatal("no benchmark lines parsed without an error")
	}
}
