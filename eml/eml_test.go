package eml_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/eml"
)

var now = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func survey() *outreach.Message {
	return &outreach.Message{
		DeliveryID: "7d4a3c1e-0d1f-5b7e-9a4e-2f1c7b9d8e01", Campaign: "nps-onboarding", Category: outreach.CategorySurvey,
		To: "olga@customer.example", ToName: "Ольга Петрова", From: "team@vendor.example", FromName: "Команда Vendor",
		Subject:        "Насколько вероятно, что вы порекомендуете нас коллегам? Ответьте в два клика",
		Text:           "Здравствуйте, Ольга!\nОцените нас от 0 до 10: https://x.example/s/tok?score=10\n" + strings.Repeat("длинная строка ", 20) + "\n",
		HTML:           `<html><body><p>Здравствуйте, Ольга!</p><a href="https://x.example/s/tok?score=10">10</a></body></html>`,
		UnsubscribeURL: "https://x.example/u/tok", UnsubscribeMailto: "unsubscribe+tok@vendor.example",
	}
}

type part struct {
	contentType, encoding, body string
}

// parse reads an .eml file back with net/mail and mime/multipart.
func parse(t *testing.T, path string) (*mail.Message, []part) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("bare LF in the message: RFC 5322 wants CRLF")
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets, over RFC 5322's 998", i, len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []part
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			r = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, part{p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), string(b)})
	}
	return msg, parts
}

func TestSendWritesEML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "outbox") // created on demand
	s := eml.New(dir, func() time.Time { return now })
	m := survey()
	res, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	msg, parts := parse(t, filepath.Join(dir, m.DeliveryID+".eml"))

	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject %q (%v), want %q", subject, err, m.Subject)
	}
	if raw := msg.Header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?") {
		t.Errorf("raw Subject %q is not RFC 2047-encoded", raw)
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil || from.Name != m.FromName || from.Address != m.From {
		t.Errorf("From %+v (%v)", from, err)
	}
	to, err := mail.ParseAddress(msg.Header.Get("To"))
	if err != nil || to.Name != m.ToName || to.Address != m.To {
		t.Errorf("To %+v (%v)", to, err)
	}
	if date, err := msg.Header.Date(); err != nil || !date.Equal(now) {
		t.Errorf("Date %v (%v), want %v", date, err, now)
	}
	if got := msg.Header.Get("Message-ID"); got != res.MessageID || got != "<"+m.DeliveryID+"@vendor.example>" {
		t.Errorf("Message-ID %q, result %q", got, res.MessageID)
	}
	if got := msg.Header.Get("List-Unsubscribe"); got != "<https://x.example/u/tok>, <mailto:unsubscribe+tok@vendor.example>" {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	if msg.Header.Get("MIME-Version") != "1.0" || msg.Header.Get("X-Outreach-Delivery-Id") != m.DeliveryID {
		t.Errorf("headers %v", msg.Header)
	}

	if len(parts) != 2 {
		t.Fatalf("%d parts, want 2", len(parts))
	}
	if parts[0].contentType != "text/plain; charset=utf-8" || parts[1].contentType != "text/html; charset=utf-8" {
		t.Errorf("part types %q, %q: want text/plain first, then text/html", parts[0].contentType, parts[1].contentType)
	}
	if parts[0].encoding != "quoted-printable" {
		t.Errorf("encoding %q", parts[0].encoding)
	}
	if got := strings.ReplaceAll(parts[0].body, "\r\n", "\n"); got != m.Text {
		t.Errorf("text body %q, want %q", got, m.Text)
	}
	if parts[1].body != m.HTML {
		t.Errorf("html body %q, want %q", parts[1].body, m.HTML)
	}
}

func TestTransactionalHasNoListUnsubscribe(t *testing.T) {
	dir := t.TempDir()
	m := survey()
	m.Category, m.UnsubscribeURL = outreach.CategoryTransactional, "https://x.example/u/tok"
	m.Subject = "Your renewal"
	if _, err := eml.New(dir, nil).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msg, _ := parse(t, filepath.Join(dir, m.DeliveryID+".eml"))
	if msg.Header.Get("List-Unsubscribe") != "" || msg.Header.Get("List-Unsubscribe-Post") != "" {
		t.Errorf("transactional mail has List-Unsubscribe headers: %v", msg.Header)
	}
	if msg.Header.Get("Subject") != "Your renewal" {
		t.Errorf("ASCII subject encoded: %q", msg.Header.Get("Subject"))
	}
}

func TestResendIsANoOp(t *testing.T) {
	dir := t.TempDir()
	s := eml.New(dir, func() time.Time { return now })
	m := survey()
	first, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	m.Subject = "Второй раз"
	again, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("second send of a written delivery: %v, want success", err)
	}
	if again != first {
		t.Errorf("second send answered %+v, first %+v", again, first)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != m.DeliveryID+".eml" {
		t.Fatalf("directory holds %v, want only %s.eml", entries, m.DeliveryID)
	}
	msg, _ := parse(t, filepath.Join(dir, m.DeliveryID+".eml"))
	if subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); subject == "Второй раз" {
		t.Errorf("the second send rewrote the file")
	}
}

func TestWrittenReadsTheFileBack(t *testing.T) {
	dir := t.TempDir()
	s := eml.New(dir, func() time.Time { return now })
	m := survey()
	if _, ok, err := s.Written(context.Background(), m.DeliveryID); err != nil || ok {
		t.Fatalf("Written before any send = %v, %v; want false", ok, err)
	}
	sent, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Written(context.Background(), m.DeliveryID)
	if err != nil || !ok || got != sent {
		t.Fatalf("Written after the send = %+v, %v, %v; want %+v, true", got, ok, err, sent)
	}
	if _, ok, err := s.Written(context.Background(), "../escape"); err != nil || ok {
		t.Errorf("Written of an id Send refuses = %v, %v; want false", ok, err)
	}
}

func TestCleanRemovesTempFiles(t *testing.T) {
	dir := t.TempDir()
	s := eml.New(dir, nil)
	if _, err := s.Send(context.Background(), survey()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".tmp-123.eml", ".tmp-abc.eml"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("half a mess"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Clean()
	if err != nil || n != 2 {
		t.Fatalf("Clean = %d, %v; want 2 removed", n, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != survey().DeliveryID+".eml" {
		t.Errorf("directory holds %v after Clean, want only the message", entries)
	}
}

func TestConcurrentSendsLeaveOneWholeFile(t *testing.T) {
	dir := t.TempDir()
	s := eml.New(dir, nil)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			m := survey()
			m.Text = fmt.Sprintf("version %d\n", i) + m.Text
			if _, err := s.Send(context.Background(), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want 1 (no temp files left)", len(entries))
	}
	_, parts := parse(t, filepath.Join(dir, entries[0].Name()))
	if len(parts) != 2 || !strings.HasPrefix(parts[0].body, "version ") {
		t.Errorf("file is not one whole message: %+v", parts)
	}
}

func TestBadDeliveryIDsRefused(t *testing.T) {
	dir := t.TempDir()
	s := eml.New(dir, nil)
	for _, id := range []string{"", "../escape", "a/b", ".hidden"} {
		m := survey()
		m.DeliveryID = id
		_, err := s.Send(context.Background(), m)
		var se *outreach.SendError
		if !errors.As(err, &se) || se.Retryable {
			t.Errorf("id %q: Send = %v, want a non-retryable SendError", id, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.eml")); err == nil {
		t.Error("wrote outside the outbox")
	}
}

func TestTextOnlyMessage(t *testing.T) {
	dir := t.TempDir()
	m := survey()
	m.HTML = ""
	if _, err := eml.New(dir, nil).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	_, parts := parse(t, filepath.Join(dir, m.DeliveryID+".eml"))
	if len(parts) != 1 || !strings.HasPrefix(parts[0].contentType, "text/plain") {
		t.Errorf("parts %+v", parts)
	}
}
