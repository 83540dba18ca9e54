package outreach

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CommentQuery selects the commented survey answers of the console's NPS
// page, newest first: the answers an NPSFilter selects (its Interval and
// GroupBy are ignored), narrowed to Campaigns, a score class and a text
// search, after a cursor.
type CommentQuery struct {
	NPSFilter
	// Campaigns, when not empty, keeps only the answers to these campaign
	// keys (the CSAT feed passes the CSAT campaigns).
	Campaigns []string
	// Class is ClassPromoter, ClassPassive, ClassDetractor or "" (any).
	Class string
	// Search keeps the comments that contain it, ignoring case; it is
	// text, never a pattern (% _ \ and quotes match themselves).
	Search string
	// Before is the position of the last row of the previous page; nil
	// starts from the newest answer.
	Before *CommentCursor
	// Limit is the page size.
	Limit int
	// ScanLimit bounds the work of a search: at most this many commented
	// answers (newest first, after Before) are read for one page. A page
	// that reaches it before Limit matches ends there, with Next set to
	// the last answer read, so the reader can search further back.
	ScanLimit int
}

// CommentCursor is a position in the comment feed's order (answer time,
// then delivery id, both descending).
type CommentCursor struct {
	At         time.Time
	DeliveryID string
}

// String encodes c for a query string: "MILLIS.DELIVERYID".
func (c CommentCursor) String() string {
	return strconv.FormatInt(c.At.UnixMilli(), 10) + "." + c.DeliveryID
}

// ParseCommentCursor decodes CommentCursor.String.
func ParseCommentCursor(s string) (*CommentCursor, error) {
	ms, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" || n < 0 || len(id) > 200 {
		return nil, Errorf(EINVALID, "before: %q is not a position in the comment feed", s)
	}
	return &CommentCursor{At: time.UnixMilli(n).UTC(), DeliveryID: id}, nil
}

// Comment is one commented answer of the feed.
type Comment struct {
	DeliveryID  string
	Campaign    string
	Score       int
	Class       string // ScoreClass(Score)
	Comment     string
	At          time.Time
	Email       string // the contact's address
	Role        string
	Locale      string
	Account     string // external id
	AccountName string
	Plan        string
	Owner       string // the account's owner_email
}

// CommentPage is one page of the comment feed.
type CommentPage struct {
	Comments []Comment
	// Next is where the following page starts, nil at the end.
	Next *CommentCursor
	// Scanned counts the commented answers read for a search; ScanEnded
	// reports that the page stopped at ScanLimit rather than at Limit
	// matches or at the end.
	Scanned   int
	ScanEnded bool
}

// Validate checks the query's class and bounds.
func (q CommentQuery) Validate() error {
	switch q.Class {
	case "", ClassPromoter, ClassPassive, ClassDetractor:
	default:
		return Errorf(EINVALID, "class: %q is not one of promoter, passive, detractor", q.Class)
	}
	if q.Limit < 1 || q.Limit > 1000 {
		return Errorf(EINVALID, "limit: %d is not between 1 and 1000", q.Limit)
	}
	if q.Search != "" && (q.ScanLimit < q.Limit || q.ScanLimit > 100_000) {
		return Errorf(EINVALID, "scan limit: %d is not between the limit and 100000", q.ScanLimit)
	}
	if len(q.Search) > 200 {
		return Errorf(EINVALID, "search: at most 200 characters, not %d", len(q.Search))
	}
	return nil
}

// ScoreRange returns the scores of a class, inclusive.
func ScoreRange(class string) (low, high int, err error) {
	switch class {
	case ClassPromoter:
		return 9, 10, nil
	case ClassPassive:
		return 7, 8, nil
	case ClassDetractor:
		return 0, 6, nil
	}
	return 0, 0, fmt.Errorf("no score class %q", class)
}
