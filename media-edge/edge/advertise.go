package edge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"time"

	"github.com/lingxi/lingxi/media-edge/config"
)

// advertised is the address the edge puts in Contact and SDP: the configured one, or with
// config.AdvertiseTask the task's own address in its VPC, read from the ECS task metadata
// endpoint (version 4) at start.
func advertised(ctx context.Context, configured, metadata string) (netip.Addr, error) {
	if configured != config.AdvertiseTask {
		a, err := netip.ParseAddr(configured)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("advertise: %w", err)
		}
		return a, nil
	}
	if metadata == "" {
		return netip.Addr{}, errors.New("advertise: \"task\" needs the ECS task metadata endpoint (ECS_CONTAINER_METADATA_URI_V4 is not set)")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metadata+"/task", nil)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("advertise: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("advertise: task metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return netip.Addr{}, fmt.Errorf("advertise: task metadata: HTTP %d", resp.StatusCode)
	}
	var task struct {
		Containers []struct {
			Networks []struct {
				IPv4Addresses []string `json:"IPv4Addresses"`
			} `json:"Networks"`
		} `json:"Containers"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&task); err != nil {
		return netip.Addr{}, fmt.Errorf("advertise: task metadata: %w", err)
	}
	for _, c := range task.Containers {
		for _, n := range c.Networks {
			for _, s := range n.IPv4Addresses {
				if a, err := netip.ParseAddr(s); err == nil && a.Is4() && !a.IsUnspecified() {
					return a, nil
				}
			}
		}
	}
	return netip.Addr{}, errors.New("advertise: the task metadata names no IPv4 address")
}
