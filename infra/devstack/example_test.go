package devstack_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/lingxi/lingxi/infra/devstack"
)

// Run the template with the emulators started under .devstack, send one request, and stop.
func ExampleStart() {
	st, err := devstack.Start(context.Background(), devstack.Config{
		Template:   "template.yaml",
		Parameters: map[string]string{"AdminKeySha256": "…"},
		Log:        os.Stderr,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	resp, err := http.Get(st.HTTPURL() + "/v1/tenant")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status)
}
