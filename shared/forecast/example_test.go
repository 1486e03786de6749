package forecast_test

import (
	"context"
	"fmt"
	"time"

	"github.com/lingxi/lingxi/shared/forecast"
)

// Eight weeks of hourly counts from a centre open 09:00–17:00 on weekdays, busier on Mondays;
// forecast the next day and its 80% band.
func ExamplePredict() {
	start := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC) // a Monday
	open := func(t time.Time) bool {
		wd := t.Weekday()
		return wd != time.Saturday && wd != time.Sunday && t.Hour() >= 9 && t.Hour() < 17
	}
	hist := forecast.Series{Start: start, Step: time.Hour}
	for t := start; t.Before(start.AddDate(0, 0, 56)); t = t.Add(time.Hour) {
		v := 0.0
		if open(t) {
			v = 100
			if t.Weekday() == time.Monday {
				v = 150
			}
		}
		hist.Values = append(hist.Values, v)
	}
	f, err := forecast.Predict(context.Background(), hist, 24, forecast.Options{Open: open})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 8; i < 11; i++ {
		fmt.Printf("%s %.0f [%.0f, %.0f]\n", f.Start.Add(time.Duration(i)*f.Step).Format("Mon 15:04"), f.Point[i], f.Bands[0].Lower[i], f.Bands[0].Upper[i])
	}
	// Output:
	// Mon 08:00 0 [0, 0]
	// Mon 09:00 150 [150, 150]
	// Mon 10:00 150 [150, 150]
}
