package steering

// gather.go: Perceive. Per queue and channel, the Observation the decision core reads, from the
// same sources the product shows: the wallboard's day state (waiting, longest wait, service level,
// abandonment; per channel through wallboard.WaitingByChannel), the agents' presence on the floor
// (available and busy per channel, backup-skilled and multi-skilled agents), the interval counters
// (arrivals over the last 15 minutes, handle time over the last hour), the rolling forecast
// (forecaststore's latest rolling product per queue and channel, with its 80% band) and the
// tenant's settings (on-call staff) and bot statistics (botstats.go).
//
// Where a source has no per-channel figure the queue's is told on each channel: the wallboard's
// service level and abandon rate are per queue; the measured handle time is per channel over every
// queue (the counters' handle_seconds names no queue), less the day's mean wait (it runs from the
// queueing), else the staffing settings' handle time; patience is the staffing settings' or a
// channel default. Outbound agents are 0: the product has no outbound campaigns yet.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/lingxi/lingxi/events"
	"github.com/lingxi/lingxi/shared/floor"
	"github.com/lingxi/lingxi/shared/forecaststore"
	"github.com/lingxi/lingxi/shared/intervals"
	"github.com/lingxi/lingxi/shared/store"
	"github.com/lingxi/lingxi/shared/strategy"
	"github.com/lingxi/lingxi/shared/tenant"
	"github.com/lingxi/lingxi/shared/wallboard"
)

// Perception defaults, where the product has no figure yet.
const (
	// arrivalsWindow is the window of the recent arrival rate.
	arrivalsWindow = 15 * time.Minute
	// handleWindow is the window of the recent handle time; minHandled the contacts it needs.
	handleWindow = time.Hour
	minHandled   = 3
	// DefaultVoicePatienceSeconds and DefaultChatPatienceSeconds are the mean patience per channel
	// when the staffing settings name none (callers give up sooner than chatters).
	DefaultVoicePatienceSeconds = 180
	DefaultChatPatienceSeconds  = 600
	// defaultChatCapacity is chats per agent when no signed-in agent says.
	defaultChatCapacity = 3
	// forecastBand is the level of the forecast band the gap's uncertainty uses.
	forecastBand = 0.8
	// readConcurrency bounds the reads of one tenant's minute in flight at once.
	readConcurrency = 8
)

// channels are the channels perceived, in order.
var channels = []events.Channel{events.ChannelVoice, events.ChannelChat}

// perception is what one minute's perceiving found: the observations, and per queue its counters
// (the start of a judgement's window).
type perception struct {
	obs   []strategy.Observation
	snaps map[string]Snapshot
}

// perceive gathers t's observations at now.
func (e *Engine) perceive(ctx context.Context, t tenant.ID, now time.Time, set strategy.Settings) (perception, error) {
	queues, err := e.cfg.Floor.Queues(ctx, t)
	if err != nil {
		return perception{}, err
	}
	presences, err := e.cfg.Floor.Presences(ctx, t)
	if err != nil {
		return perception{}, err
	}
	day := wallboard.DayOf(now, wallboard.Location(t))
	ws, err := wallboard.Latest(ctx, e.db, t, day)
	if err != nil {
		return perception{}, fmt.Errorf("perceive: %w", err)
	}
	board := ws.Board(now)
	figures := map[string]wallboard.QueueFigures{}
	for _, f := range board.Queues {
		figures[f.Queue] = f
	}
	staff, _, err := e.cfg.Forecasts.Settings(ctx, t)
	if err != nil {
		return perception{}, fmt.Errorf("perceive: %w", err)
	}
	var bot BotStats
	if set.Enabled && set.Strategies[strategy.BotFirst].Enabled {
		// Only BotFirst reads the bot's figures: a tenant without it does not pay for counting.
		if bot, err = e.botStats(ctx, t, now); err != nil {
			return perception{}, err
		}
	}
	byID := map[string]floor.Queue{}
	for _, q := range queues {
		byID[q.ID] = q
	}
	slot := now.Truncate(intervals.Step)
	handled := map[events.Channel]float64{} // contacts answered over handleWindow, every queue
	perQueue := make([]queueRead, len(queues))
	for i, q := range queues {
		perQueue[i] = queueRead{q: q, fig: figures[q.ID], ch: make([]channelRead, len(channels))}
	}
	// Each queue's channels are read readConcurrency at a time: a tenant with many queues is not
	// a long line of reads.
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, readConcurrency)
		errs = make([]error, len(queues)*len(channels))
	)
	for i := range perQueue {
		for j, ch := range channels {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				perQueue[i].ch[j], errs[i*len(channels)+j] = e.readChannel(ctx, t, perQueue[i].q.ID, ch, slot, now, set.HorizonMinutes)
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return perception{}, err
	}
	for _, r := range perQueue {
		for _, c := range r.ch {
			handled[c.ch] += c.answered
		}
	}
	handle := map[events.Channel]float64{}
	for _, ch := range channels {
		if handled[ch] < minHandled {
			continue
		}
		s, err := e.cfg.Counts.Series(ctx, t, intervals.AllQueues, ch, intervals.HandleSeconds, slot.Add(-handleWindow), slot, handleWindow)
		if err != nil {
			return perception{}, fmt.Errorf("perceive: handle time of %s: %w", ch, err)
		}
		if total := sum(s.Values); total > 0 {
			// handle_seconds runs from the queueing to the wrap-up: take the day's mean wait off.
			asa := 0.0
			if board.Totals.ASASeconds != nil {
				asa = *board.Totals.ASASeconds
			}
			handle[ch] = max(total/handled[ch]-asa, 30)
		}
	}
	out := perception{snaps: map[string]Snapshot{}}
	for _, r := range perQueue {
		ob, snap := e.observe(r, byID, presences, ws, board, staff, bot, handle, set, now)
		out.obs = append(out.obs, ob)
		out.snaps[r.q.ID] = snap
	}
	return out, nil
}

// queueRead is what was read for one queue.
type queueRead struct {
	q   floor.Queue
	fig wallboard.QueueFigures
	ch  []channelRead
}

// channelRead is what was read for one queue's channel from the counters and the forecast.
type channelRead struct {
	ch       events.Channel
	perHour  float64 // arrivals over arrivalsWindow, per hour
	answered float64 // answered over handleWindow
	forecast []strategy.ForecastPoint
}

// readChannel reads a queue's channel's recent counts and its rolling forecast.
func (e *Engine) readChannel(ctx context.Context, t tenant.ID, queue string, ch events.Channel, slot, now time.Time, horizonMin int) (channelRead, error) {
	c := channelRead{ch: ch}
	if !forecaststore.ValidQueue(queue) {
		return c, nil
	}
	s, err := e.cfg.Counts.Series(ctx, t, queue, ch, intervals.Offered, slot.Add(-arrivalsWindow), slot, intervals.Step)
	if err != nil {
		return c, fmt.Errorf("perceive: arrivals of %s/%s: %w", queue, ch, err)
	}
	c.perHour = sum(s.Values) * float64(time.Hour) / float64(arrivalsWindow)
	a, err := e.cfg.Counts.Series(ctx, t, queue, ch, intervals.Answered, slot.Add(-handleWindow), slot, handleWindow)
	if err != nil {
		return c, fmt.Errorf("perceive: answered of %s/%s: %w", queue, ch, err)
	}
	c.answered = sum(a.Values)
	f, err := e.cfg.Forecasts.LatestForecast(ctx, t, queue, string(ch), forecaststore.Rolling)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return c, fmt.Errorf("perceive: forecast of %s/%s: %w", queue, ch, err)
	default:
		c.forecast = points(f, now, now.Add(time.Duration(cmp.Or(horizonMin, 60))*time.Minute))
	}
	return c, nil
}

// points are f's intervals that end after now and start before until, with the 80% band.
func points(f forecaststore.Forecast, now, until time.Time) []strategy.ForecastPoint {
	step, err := forecaststore.ParseStep(f.Step)
	if err != nil {
		return nil
	}
	var band *forecaststore.Band
	for i := range f.Bands {
		if band == nil || math.Abs(f.Bands[i].Level-forecastBand) < math.Abs(band.Level-forecastBand) {
			band = &f.Bands[i]
		}
	}
	var out []strategy.ForecastPoint
	for i, v := range f.Points {
		start := f.Start.Add(time.Duration(i) * step)
		end := start.Add(step)
		if !end.After(now) {
			continue
		}
		if !start.Before(until) {
			break
		}
		p := strategy.ForecastPoint{Start: start, End: end, Calls: v, Low: v, High: v}
		if band != nil && i < len(band.Lower) && i < len(band.Upper) {
			p.Low, p.High = band.Lower[i], band.Upper[i]
		}
		out = append(out, p)
	}
	return out
}

// observe makes one queue's Observation and Snapshot.
func (e *Engine) observe(r queueRead, byID map[string]floor.Queue, presences []floor.Presence, ws *wallboard.State,
	board wallboard.Board, staff forecaststore.Settings, bot BotStats, handle map[events.Channel]float64,
	set strategy.Settings, now time.Time) (strategy.Observation, Snapshot) {
	q := r.q
	ob := strategy.Observation{
		Queue:         q.ID,
		TargetSeconds: cmp.Or(q.TargetSeconds, wallboard.DefaultTargetSeconds),
		TargetPercent: cmp.Or(q.TargetPercent, wallboard.DefaultTargetPercent),
		OnCall:        len(set.OnCall),
	}
	waits := ws.WaitingByChannel(q.ID, now)
	signedIn := map[string]bool{}
	snap := Snapshot{At: now, Day: board.Day, Offered: r.fig.Offered, Answered: r.fig.Answered,
		AnsweredInTarget: r.fig.AnsweredInTarget, Abandoned: r.fig.Abandoned, AbandonedAfterTarget: r.fig.AbandonedAfterTarget,
		Diverted: r.fig.Diverted, TargetSeconds: ob.TargetSeconds}
	for _, c := range r.ch {
		v := strategy.ChannelView{Channel: string(c.ch), Waiting: waits[c.ch].Waiting, LongestWaitSeconds: waits[c.ch].LongestWaitSeconds,
			ArrivalsPerHour: round2(c.perHour), ServiceLevel: r.fig.ServiceLevel, AbandonRate: r.fig.AbandonRate, Forecast: c.forecast}
		caps := []int{}
		for _, p := range presences {
			if p.State == floor.AgentOffline || p.Capacity[c.ch] <= 0 || !p.HasSkills(q.Skills) {
				continue
			}
			load := p.Load(c.ch)
			switch {
			case p.Free(c.ch):
				v.Available++
			case load > 0:
				v.Busy++
			default:
				continue // on a break with nothing of this channel: not signed in for it
			}
			signedIn[p.UserID] = true
			caps = append(caps, p.Capacity[c.ch])
		}
		v.Capacity = capacity(c.ch, caps)
		v.HandleSeconds = handle[c.ch]
		if v.HandleSeconds == 0 {
			v.HandleSeconds = staff.AHT(q.ID).Seconds()
		}
		v.PatienceSeconds = patience(staff, c.ch)
		if v.Waiting == 0 && v.Available+v.Busy == 0 && len(v.Forecast) == 0 && v.ArrivalsPerHour == 0 {
			continue
		}
		ob.Channels = append(ob.Channels, v)
		snap.Waiting += v.Waiting
		if snap.HandleSeconds == 0 {
			snap.HandleSeconds, snap.PatienceSeconds = v.HandleSeconds, v.PatienceSeconds
		}
	}
	snap.Agents = len(signedIn)
	if snap.HandleSeconds == 0 {
		snap.HandleSeconds, snap.PatienceSeconds = staff.AHT(q.ID).Seconds(), patience(staff, events.ChannelVoice)
	}
	backups := backupSkillSets(q, byID)
	for _, p := range presences {
		if p.State != floor.AgentAvailable || p.HasSkills(q.Skills) {
			continue
		}
		free := p.Free(events.ChannelVoice) || p.Free(events.ChannelChat)
		if free && slices.ContainsFunc(backups, func(skills []string) bool { return p.HasSkills(skills) }) {
			ob.BackupAgents++
		}
	}
	for _, p := range presences {
		if p.State == floor.AgentAvailable && p.HasSkills(q.Skills) && p.Capacity[events.ChannelVoice] > 0 &&
			p.Capacity[events.ChannelChat] > 0 && p.Load(events.ChannelVoice) == 0 {
			ob.MovableAgents++
		}
	}
	ob.BotResolution, ob.HandoffIntents = bot.resolution(), bot.handoffs(q.ID)
	return ob, snap
}

// backupSkillSets are the skill sets that can take q's contacts besides its own: its backup
// skills, and each overflow step's skills (or its queue's).
func backupSkillSets(q floor.Queue, byID map[string]floor.Queue) [][]string {
	var out [][]string
	if len(q.BackupSkills) > 0 {
		out = append(out, q.BackupSkills)
	}
	for _, o := range q.Overflow {
		switch {
		case len(o.Skills) > 0:
			out = append(out, o.Skills)
		case o.ToQueue != "":
			if to, ok := byID[o.ToQueue]; ok && len(to.Skills) > 0 {
				out = append(out, to.Skills)
			}
		}
	}
	return out
}

// capacity is contacts per agent on ch: the signed-in agents' most common capacity.
func capacity(ch events.Channel, caps []int) int {
	if ch == events.ChannelVoice {
		return 1
	}
	if len(caps) == 0 {
		return defaultChatCapacity
	}
	count := map[int]int{}
	best := caps[0]
	for _, c := range caps {
		count[c]++
		if count[c] > count[best] || count[c] == count[best] && c < best {
			best = c
		}
	}
	return best
}

// patience is the mean patience on ch: the staffing settings' when set, else the channel's
// default.
func patience(s forecaststore.Settings, ch events.Channel) float64 {
	if s.PatienceS > 0 {
		return float64(s.PatienceS)
	}
	if ch == events.ChannelVoice {
		return DefaultVoicePatienceSeconds
	}
	return DefaultChatPatienceSeconds
}

// sum adds the observed values (a missing interval, NaN, counts 0).
func sum(vs []float64) float64 {
	total := 0.0
	for _, v := range vs {
		if !math.IsNaN(v) {
			total += v
		}
	}
	return total
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
