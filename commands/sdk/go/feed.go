package skms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/coder/websocket"
)

// Feed is a chain's events in order as they commit (commands/service/feed.py); Hello says
// where it started. Admins and auditors may open it.
type Feed struct {
	Hello map[string]any
	conn  *websocket.Conn
}

// Feed opens the WebSocket feed of chain from fromSeq (negative: from the head on). The
// upgrade request is signed like any other (its @target-uri is the wss:// URL).
func (c *Client) Feed(ctx context.Context, chain string, fromSeq int64) (*Feed, error) {
	query := url.Values{"chain": {chain}}
	if fromSeq >= 0 {
		query.Set("from_seq", strconv.FormatInt(fromSeq, 10))
	}
	scheme := "ws"
	if strings.HasPrefix(c.BaseURL, "https:") {
		scheme = "wss"
	}
	target := scheme + c.BaseURL[strings.Index(c.BaseURL, ":"):] + "/v1/feed?" + query.Encode()
	signed, err := SignHTTP(c.key, c.ActorID, "GET", target, nil)
	if err != nil {
		return nil, err
	}
	header := http.Header{}
	for name, value := range signed {
		header.Set(name, value)
	}
	conn, response, err := websocket.Dial(ctx, target, &websocket.DialOptions{
		HTTPHeader: header,
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: c.tls}},
	})
	if err != nil {
		if response != nil {
			return nil, fmt.Errorf("the feed was refused: HTTP %d", response.StatusCode)
		}
		return nil, err
	}
	conn.SetReadLimit(1 << 24)
	feed := &Feed{conn: conn}
	if feed.Hello, err = feed.Next(ctx); err != nil {
		return nil, err
	}
	return feed, nil
}

// Next is the next message (an event), waiting until ctx is done.
func (f *Feed) Next(ctx context.Context) (map[string]any, error) {
	_, data, err := f.conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	var message map[string]any
	decoder := json.NewDecoder(strings.NewReader(string(data)))
	decoder.UseNumber()
	if err := decoder.Decode(&message); err != nil {
		return nil, fmt.Errorf("a feed message is not JSON: %w", err)
	}
	return message, nil
}

// Close ends the feed normally.
func (f *Feed) Close() error {
	return f.conn.Close(websocket.StatusNormalClosure, "")
}
