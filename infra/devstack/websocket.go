package devstack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// API Gateway WebSocket limits.
const (
	wsMaxMessage = 128 << 10
)

// wsAPI serves one API Gateway WebSocket API on its own port: the client endpoint at /{stage} and
// the @connections management API at /{stage}/@connections/{connectionId}.
type wsAPI struct {
	st    *Stack
	spec  *wsAPISpec
	pools map[string]*pool // route key -> function pool
	ln    net.Listener
	srv   *http.Server

	mu     sync.Mutex
	conns  map[string]*wsConn
	closed bool
	wg     sync.WaitGroup
}

type wsConn struct {
	id          string
	ready       chan struct{} // closed once the upgrade is done (c set) or failed (c nil)
	c           *websocket.Conn
	connectedAt time.Time
	sourceIP    string
	userAgent   string
	cancel      context.CancelFunc

	mu         sync.Mutex
	lastActive time.Time
	closeCode  websocket.StatusCode
	closeWhy   string
}

func (a *wsAPI) url() string { return "ws://" + a.ln.Addr().String() + "/" + a.spec.Stage }

func (a *wsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	stagePrefix := "/" + a.spec.Stage
	rest, ok := strings.CutPrefix(path, stagePrefix)
	if !ok {
		writeGatewayJSON(w, http.StatusForbidden, "Forbidden")
		return
	}
	if id, ok := strings.CutPrefix(rest, "/@connections/"); ok {
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
		a.manage(w, r, id)
		return
	}
	if rest != "" && rest != "/" {
		writeGatewayJSON(w, http.StatusForbidden, "Forbidden")
		return
	}
	a.connect(w, r)
}

func (a *wsAPI) baseContext(eventType, routeKey, connID string, connectedAt time.Time, r *http.Request) wsRequestContext {
	now := time.Now()
	srcIP := ""
	ua := ""
	if r != nil {
		srcIP, _, _ = net.SplitHostPort(r.RemoteAddr)
		ua = r.UserAgent()
	}
	return wsRequestContext{
		RouteKey: routeKey, EventType: eventType, ExtendedRequestID: apiRequestID(), RequestTime: now.UTC().Format(apiGatewayTime),
		MessageDirection: "IN", Stage: a.spec.Stage, ConnectedAt: connectedAt.UnixMilli(), RequestTimeEpoch: now.UnixMilli(),
		Identity: wsIdentity{SourceIP: srcIP, UserAgent: ua}, RequestID: apiRequestID(), DomainName: a.ln.Addr().String(),
		ConnectionID: connID, APIID: a.spec.ID,
	}
}

// wsRequestContext mirrors the requestContext API Gateway sends to WebSocket integrations.
type wsRequestContext struct {
	RouteKey             string     `json:"routeKey"`
	DisconnectStatusCode int        `json:"disconnectStatusCode,omitempty"`
	MessageID            string     `json:"messageId,omitempty"`
	EventType            string     `json:"eventType"`
	ExtendedRequestID    string     `json:"extendedRequestId"`
	RequestTime          string     `json:"requestTime"`
	MessageDirection     string     `json:"messageDirection"`
	DisconnectReason     *string    `json:"disconnectReason,omitempty"`
	Stage                string     `json:"stage"`
	ConnectedAt          int64      `json:"connectedAt"`
	RequestTimeEpoch     int64      `json:"requestTimeEpoch"`
	Identity             wsIdentity `json:"identity"`
	RequestID            string     `json:"requestId"`
	DomainName           string     `json:"domainName"`
	ConnectionID         string     `json:"connectionId"`
	APIID                string     `json:"apiId"`
}

type wsIdentity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent,omitempty"`
}

type wsEvent struct {
	Headers                         map[string]string   `json:"headers,omitempty"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders,omitempty"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters,omitempty"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters,omitempty"`
	RequestContext                  wsRequestContext    `json:"requestContext"`
	Body                            string              `json:"body,omitempty"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

// wsProxyResponse is the Lambda proxy response shape API Gateway reads from WebSocket integrations.
type wsProxyResponse struct {
	StatusCode      *int              `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

func (a *wsAPI) invoke(route string, ev wsEvent) (Result, bool, error) {
	p, ok := a.pools[route]
	if !ok {
		return Result{}, false, nil
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return Result{}, true, err
	}
	res, err := p.invoke(nil, payload)
	return res, true, err
}

func (a *wsAPI) connect(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		writeGatewayJSON(w, http.StatusBadRequest, "Bad Request")
		return
	}
	a.mu.Lock()
	closed := a.closed
	a.mu.Unlock()
	if closed {
		writeGatewayJSON(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	connID := connectionID()
	connectedAt := time.Now()
	ev := wsEvent{RequestContext: a.baseContext("CONNECT", "$connect", connID, connectedAt, r), Headers: map[string]string{}, MultiValueHeaders: map[string][]string{}}
	for k, v := range r.Header {
		ev.Headers[k] = strings.Join(v, ",")
		ev.MultiValueHeaders[k] = v
	}
	ev.Headers["Host"] = r.Host
	ev.MultiValueHeaders["Host"] = []string{r.Host}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		ev.MultiValueQueryStringParameters = q
		for k, v := range q {
			ev.QueryStringParameters[k] = v[len(v)-1]
		}
	}
	var subprotocols []string
	res, routed, err := a.invoke("$connect", ev)
	if routed {
		if err != nil || res.FunctionError != "" {
			writeGatewayJSON(w, http.StatusInternalServerError, "Internal server error")
			return
		}
		var resp wsProxyResponse
		status := http.StatusOK
		if json.Unmarshal(res.Payload, &resp) == nil && resp.StatusCode != nil {
			status = *resp.StatusCode
		}
		if status < 200 || status > 299 {
			w.WriteHeader(status)
			io.WriteString(w, resp.Body)
			return
		}
		for k, v := range resp.Headers {
			if strings.EqualFold(k, "Sec-WebSocket-Protocol") {
				subprotocols = append(subprotocols, v)
			}
		}
	}
	// Registered before the upgrade completes: a client that has its 101 can be pushed to at once.
	srcIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	ctx, cancel := context.WithCancel(context.Background())
	conn := &wsConn{id: connID, ready: make(chan struct{}), connectedAt: connectedAt, lastActive: connectedAt, sourceIP: srcIP, userAgent: r.UserAgent(), cancel: cancel}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		cancel()
		writeGatewayJSON(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	a.conns[connID] = conn
	a.wg.Add(1)
	a.mu.Unlock()
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, Subprotocols: subprotocols})
	if err != nil {
		a.mu.Lock()
		delete(a.conns, connID)
		a.mu.Unlock()
		close(conn.ready)
		cancel()
		a.wg.Done()
		a.st.log.Warn("websocket upgrade failed", "api", a.spec.LogicalID, "err", err)
		return
	}
	c.SetReadLimit(wsMaxMessage)
	conn.c = c
	close(conn.ready)
	a.st.sink.line("[WebSocket "+a.spec.LogicalID+"] ", "CONNECT "+connID)
	go a.readLoop(ctx, conn)
}

func (a *wsAPI) readLoop(ctx context.Context, conn *wsConn) {
	defer a.wg.Done()
	var msgs sync.WaitGroup
	for {
		typ, data, err := conn.c.Read(ctx)
		if err != nil {
			code := websocket.CloseStatus(err)
			reason := ""
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				reason = ce.Reason
			}
			conn.mu.Lock()
			if conn.closeCode == 0 {
				if code == -1 {
					code = websocket.StatusAbnormalClosure
				}
				conn.closeCode, conn.closeWhy = code, reason
			}
			code, reason = conn.closeCode, conn.closeWhy
			conn.mu.Unlock()
			if code == websocket.StatusMessageTooBig {
				conn.c.Close(websocket.StatusMessageTooBig, "Message too big")
			}
			a.disconnect(conn, int(code), reason, &msgs)
			return
		}
		now := time.Now()
		conn.mu.Lock()
		conn.lastActive = now
		conn.mu.Unlock()
		msgs.Add(1)
		go func() {
			defer msgs.Done()
			a.message(ctx, conn, typ, data)
		}()
	}
}

// routeKey applies the API's route selection expression ($request.body.<path>) to a message.
func (a *wsAPI) routeKey(data []byte) string {
	expr := strings.TrimSuffix(strings.TrimPrefix(a.spec.Selection, "${"), "}")
	path, ok := strings.CutPrefix(expr, "$request.body.")
	if !ok {
		return "$default"
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return "$default"
	}
	for _, k := range strings.Split(path, ".") {
		v = asMap(v)[k]
	}
	key := scalarString(v)
	if _, ok := a.pools[key]; key == "" || !ok {
		return "$default"
	}
	return key
}

func (a *wsAPI) message(ctx context.Context, conn *wsConn, typ websocket.MessageType, data []byte) {
	route := "$default"
	if typ == websocket.MessageText {
		route = a.routeKey(data)
	}
	rc := a.baseContext("MESSAGE", route, conn.id, conn.connectedAt, nil)
	rc.Identity = wsIdentity{SourceIP: conn.sourceIP, UserAgent: conn.userAgent}
	rc.MessageID = apiRequestID()
	ev := wsEvent{RequestContext: rc}
	if typ == websocket.MessageText && utf8.Valid(data) {
		ev.Body = string(data)
	} else {
		ev.Body = base64.StdEncoding.EncodeToString(data)
		ev.IsBase64Encoded = true
	}
	res, routed, err := a.invoke(route, ev)
	reply := func(msg string) {
		b, _ := json.Marshal(map[string]string{"message": msg, "connectionId": conn.id, "requestId": rc.RequestID})
		conn.c.Write(ctx, websocket.MessageText, b)
	}
	switch {
	case !routed:
		reply("Forbidden")
	case err != nil || res.FunctionError != "":
		reply("Internal server error")
	default:
		spec := a.spec.Routes[route]
		if spec == nil || !spec.ReturnResponse {
			return
		}
		var resp wsProxyResponse
		if json.Unmarshal(res.Payload, &resp) != nil || resp.StatusCode == nil {
			resp.Body = string(res.Payload)
		}
		if resp.Body == "" {
			return
		}
		if resp.IsBase64Encoded {
			if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
				conn.c.Write(ctx, websocket.MessageBinary, b)
			}
			return
		}
		conn.c.Write(ctx, websocket.MessageText, []byte(resp.Body))
	}
}

func (a *wsAPI) disconnect(conn *wsConn, code int, reason string, msgs *sync.WaitGroup) {
	a.mu.Lock()
	delete(a.conns, conn.id)
	a.mu.Unlock()
	msgs.Wait()
	conn.cancel()
	conn.c.CloseNow()
	a.st.sink.line("[WebSocket "+a.spec.LogicalID+"] ", fmt.Sprintf("DISCONNECT %s %d", conn.id, code))
	rc := a.baseContext("DISCONNECT", "$disconnect", conn.id, conn.connectedAt, nil)
	rc.Identity = wsIdentity{SourceIP: conn.sourceIP, UserAgent: conn.userAgent}
	rc.DisconnectStatusCode = code
	rc.DisconnectReason = &reason
	if _, _, err := a.invoke("$disconnect", wsEvent{RequestContext: rc, Headers: map[string]string{"Host": a.ln.Addr().String()}}); err != nil && !errors.Is(err, errClosed) {
		a.st.log.Warn("$disconnect invocation failed", "api", a.spec.LogicalID, "err", err)
	}
}

func gone(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", "GoneException")
	w.WriteHeader(http.StatusGone)
	io.WriteString(w, `{"message":null}`)
}

// manage serves the @connections API that functions reach with the apigatewaymanagementapi client.
func (a *wsAPI) manage(w http.ResponseWriter, r *http.Request, id string) {
	a.mu.Lock()
	conn := a.conns[id]
	a.mu.Unlock()
	if conn != nil {
		<-conn.ready
	}
	if conn == nil || conn.c == nil {
		gone(w)
		return
	}
	switch r.Method {
	case http.MethodPost:
		data, err := io.ReadAll(io.LimitReader(r.Body, wsMaxMessage+1))
		if err != nil {
			writeGatewayJSON(w, http.StatusBadRequest, "Bad Request")
			return
		}
		if len(data) > wsMaxMessage {
			w.Header().Set("X-Amzn-Errortype", "PayloadTooLargeException")
			writeGatewayJSON(w, http.StatusRequestEntityTooLarge, "Message too long")
			return
		}
		typ := websocket.MessageText
		if !utf8.Valid(data) {
			typ = websocket.MessageBinary
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if err := conn.c.Write(ctx, typ, data); err != nil {
			gone(w)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		conn.mu.Lock()
		last := conn.lastActive
		conn.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"connectedAt":  conn.connectedAt.UTC().Format(time.RFC3339Nano),
			"identity":     map[string]string{"sourceIp": conn.sourceIP, "userAgent": conn.userAgent},
			"lastActiveAt": last.UTC().Format(time.RFC3339Nano),
		})
	case http.MethodDelete:
		conn.mu.Lock()
		if conn.closeCode == 0 {
			conn.closeCode, conn.closeWhy = websocket.StatusNormalClosure, "Going away"
		}
		conn.mu.Unlock()
		go conn.c.Close(websocket.StatusNormalClosure, "Going away") // the close handshake needs the client to read
		w.WriteHeader(http.StatusNoContent)
	default:
		writeGatewayJSON(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	}
}

// close ends every connection (each gets its $disconnect) and waits.
func (a *wsAPI) close() {
	a.mu.Lock()
	a.closed = true
	conns := make([]*wsConn, 0, len(a.conns))
	for _, c := range a.conns {
		conns = append(conns, c)
	}
	a.mu.Unlock()
	for _, c := range conns {
		if <-c.ready; c.c == nil {
			continue
		}
		c.mu.Lock()
		if c.closeCode == 0 {
			c.closeCode, c.closeWhy = websocket.StatusGoingAway, "Going away"
		}
		c.mu.Unlock()
		go c.c.Close(websocket.StatusGoingAway, "Going away")
	}
	a.wg.Wait()
}
