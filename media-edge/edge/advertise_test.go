package edge

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The task metadata endpoint is played by a loopback server with the answer's shape
// (ECS task metadata v4, awsvpc: the task's ENI address).
func TestAdvertisedAddressOfTheTask(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/task" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"Cluster":"lingxi-edge","Containers":[{"Name":"media-edge","Networks":[{"NetworkMode":"awsvpc","IPv4Addresses":["10.0.3.17"]}]}]}`))
	}))
	defer srv.Close()
	a, err := advertised(context.Background(), "task", srv.URL)
	if err != nil || a.String() != "10.0.3.17" {
		t.Fatalf("advertised = %v, %v", a, err)
	}
	if a, err := advertised(context.Background(), "127.0.0.2", ""); err != nil || a.String() != "127.0.0.2" {
		t.Fatalf("configured = %v, %v", a, err)
	}
	for name, url := range map[string]string{"no endpoint": "", "no such path": srv.URL + "/nothing"} {
		if _, err := advertised(context.Background(), "task", url); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
