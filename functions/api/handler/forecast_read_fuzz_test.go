package handler

import (
	"math"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/httpapi"
)

// FuzzStaffingQuery: any query of GET /v1/staffing and GET /v1/forecasts is either refused with
// field errors or read into targets that pass the settings' checks (never a panic, never a NaN
// or out-of-range target).
func FuzzStaffingQuery(f *testing.F) {
	for _, q := range [][6]string{
		{"80/20", "", "240", "30", "85", "120"},
		{"", "30", "", "0.3", "0.85", "0"},
		{"95.5/10", "", "1", "95", "100%", "86400"},
		{"80/20", "30", "", "", "", ""},
		{"1e3/2", "-1", "x", "NaN", "Inf", "1e400"},
		{"00/0", "3601", "86401", "0.96", "1.01", "-5"},
	} {
		f.Add(q[0], q[1], q[2], q[3], q[4], q[5])
	}
	f.Fuzz(func(t *testing.T, sl, asa, aht, shrinkage, occ, patience string) {
		r := &httpapi.Request{APIGatewayV2HTTPRequest: events.APIGatewayV2HTTPRequest{QueryStringParameters: map[string]string{
			"sl": sl, "asa": asa, "aht": aht, "shrinkage": shrinkage, "max_occupancy": occ, "patience": patience,
			"from": sl, "to": aht, "product": asa, "channel": occ, "queue": patience}}}
		_, _ = parseForecastFilter(r)
		s, err := staffingOverrides(r, forecaststore.DefaultSettings())
		if err != nil {
			return
		}
		for _, v := range []float64{s.ServiceLevel, s.Shrinkage, s.MaxOccupancy} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1 {
				t.Fatalf("accepted a target out of range: %+v", s)
			}
		}
		if s.AHTSeconds < 1 || s.PatienceS < 0 || s.ASASeconds < 0 {
			t.Fatalf("accepted durations out of range: %+v", s)
		}
	})
}
