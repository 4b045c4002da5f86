// Package logattr carries log attributes in a context, so that every line
// logged while handling one delivery, job or interaction names it (the
// guild, the event type, the delivery or interaction id), however deep
// the code that logs.
//
// With starts a request's attributes (typed slog.Attr values, which cost
// no allocation each, where key-value pairs would box theirs); Add lets code that learns more (the
// guilds a delivery is for) add to them, for the lines its callers log
// afterwards too; NewHandler wraps a slog.Handler so that each record gets
// its context's attributes, unless it names them itself.
package logattr

import (
	"context"
	"log/slog"
	"sync"
)

// bag holds a context's attributes. The first few live in the bag itself,
// so that a delivery's handful costs the bag's one allocation: the webhook
// makes one per chat message.
type bag struct {
	mu     sync.Mutex
	attrs  []slog.Attr
	inline [6]slog.Attr
}

func (b *bag) list() []slog.Attr {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]slog.Attr(nil), b.attrs...)
}

type key struct{}

// With returns ctx carrying ctx's attributes and attrs. What is added to
// the result later does not reach ctx.
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	b := &bag{}
	b.attrs = b.inline[:0]
	if parent, _ := ctx.Value(key{}).(*bag); parent != nil {
		parent.mu.Lock()
		b.attrs = append(b.attrs, parent.attrs...)
		parent.mu.Unlock()
	}
	b.attrs = append(b.attrs, attrs...)
	return context.WithValue(ctx, key{}, b)
}

// Add adds attrs to the attributes ctx carries, for every line logged with
// it or with the context it came from from now on; without a With before,
// it does nothing.
func Add(ctx context.Context, attrs ...slog.Attr) {
	b, _ := ctx.Value(key{}).(*bag)
	if b == nil {
		return
	}
	b.mu.Lock()
	b.attrs = append(b.attrs, attrs...)
	b.mu.Unlock()
}

// Attrs returns the attributes ctx carries.
func Attrs(ctx context.Context) []slog.Attr {
	b, _ := ctx.Value(key{}).(*bag)
	return b.list()
}

// NewHandler returns next with each record given the attributes of its
// context that neither it nor the logger already names.
func NewHandler(next slog.Handler) slog.Handler { return &handler{next: next} }

type handler struct {
	next  slog.Handler
	bound map[string]bool // keys of the logger's own attributes
	group bool            // a group is open: context attributes would land in it
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	extra := Attrs(ctx)
	if len(extra) == 0 || h.group {
		return h.next.Handle(ctx, r)
	}
	named := map[string]bool{}
	r.Attrs(func(a slog.Attr) bool { named[a.Key] = true; return true })
	r = r.Clone()
	for _, a := range extra {
		if !named[a.Key] && !h.bound[a.Key] {
			named[a.Key] = true
			r.AddAttrs(a)
		}
	}
	return h.next.Handle(ctx, r)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	bound := make(map[string]bool, len(h.bound)+len(as))
	for k := range h.bound {
		bound[k] = true
	}
	for _, a := range as {
		bound[a.Key] = true
	}
	return &handler{next: h.next.WithAttrs(as), bound: bound, group: h.group}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), bound: h.bound, group: true}
}
