package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONStrings(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{`"a\"b\\c\/d\n\t\u00e9"`, "a\"b\\c/d\n\té", true},
		{`"\ud83d\ude00"`, "😀", true},
		{`"\ud83d"`, "", false},
		{`"\ude00"`, "", false},
		{`"\x"`, "", false},
		{"\"a\x01\"", "", false},
		{`"abc`, "", false},
	}
	for _, tt := range tests {
		v, err := Parse([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("Parse(%s) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && v.Str != tt.want {
			t.Errorf("Parse(%s) = %q, want %q", tt.in, v.Str, tt.want)
		}
		if tt.ok {
			round, err := Parse(AppendString(nil, v.Str))
			if err != nil || round.Str != v.Str {
				t.Errorf("writer/reader round trip of %q gave %q, %v", v.Str, round.Str, err)
			}
		}
	}
}

// TestParseJSONLargeObject guards against a quadratic duplicate-key check:
// a 1 MiB object of distinct keys must parse quickly, and a duplicate far
// into it is still found.
func TestParseJSONLargeObject(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 60000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strconv.Itoa(i) + `":0`)
	}
	if _, err := Parse([]byte(b.String() + "}")); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse([]byte(b.String() + `,"k59999":1}`)); err == nil || !strings.Contains(err.Error(), "duplicate key") {
		t.Fatalf("late duplicate: %v", err)
	}
}

// TestAppendString holds the one escaping to encoding/json's reading of it
// and pins the bytes of the forms hashgate relies on.
func TestAppendString(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"uote\back`, `"q\"uote\\back"`},
		{"nl\ntab\t", `"nl\ntab\t"`},
		{"ctl\x00\x01\x1f\x7f\r", `"ctl\u0000\u0001\u001f\u007f\u000d"`},
		{"é ü 中 \u2028", "\"é ü 中 \u2028\""},
		{"bad\xffutf8\xc3", `"bad\ufffdutf8\ufffd"`},
	} {
		b := AppendString(nil, tt.in)
		if string(b) != tt.want {
			t.Errorf("AppendString(%q) = %s, want %s", tt.in, b, tt.want)
		}
		checkString(t, tt.in, b)
	}
}

func checkString(t *testing.T, in string, b []byte) {
	t.Helper()
	var got string
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%q -> %s: %v", in, b, err)
	}
	if want := strings.ToValidUTF8(in, "\uFFFD"); got != want && utf8.ValidString(in) {
		t.Fatalf("%q -> %s -> %q", in, b, got)
	}
	if !utf8.Valid(b) {
		t.Fatalf("%q -> %s: not UTF-8", in, b)
	}
	if v, err := Parse(b); err != nil || v.Type != String || !utf8.ValidString(in) && v.Str != got || utf8.ValidString(in) && v.Str != in {
		t.Fatalf("%q -> %s: Parse gives %q, %v", in, b, v.Str, err)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"\\\n\t\x00\x7f", "é\xff", "\ud7ff\ue000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkString(t, s, AppendString(nil, s)) })
}

func TestObjectWriter(t *testing.T) {
	w := NewObject(make([]byte, 3))
	w.Str("s", "x\ny")
	w.Int("i", -3)
	w.Uint("u", 18446744073709551615)
	w.Bool("b", true)
	w.Raw("r", []byte(`[1,2]`))
	if got, want := string(w.Done()), `{"s":"x\ny","i":-3,"u":18446744073709551615,"b":true,"r":[1,2]}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if got := string(NewObject(nil).Done()); got != "{}" {
		t.Fatalf("empty object: %s", got)
	}
}

func TestCanonical(t *testing.T) {
	v := Value{Type: Object, Obj: []Member{
		{"z", Uint(1)}, {"a", Value{Type: Array, Arr: []Value{Str("x"), {Type: Null}, {Type: Bool, Bool: true}}}},
		{"m", Value{Type: Object}}, {"f", Float(0.001)}, {"e", Value{Type: Array}},
	}}
	want := "{\n  \"a\": [\n    \"x\",\n    null,\n    true\n  ],\n  \"e\": [],\n  \"f\": 0.001,\n  \"m\": {},\n  \"z\": 1\n}"
	if got := string(AppendCanonical(nil, v)); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{``, ` `, `{`, `{"a":1,"a":2}`, `[1,]`, `01`, `1.`, `-`, `+1`, `NaN`, `{"a" 1}`,
		`"a" "b"`, "\"\xff\"", `tru`, strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2)} {
		_, err := Parse([]byte(in))
		var se *SyntaxError
		if !errors.Is(err, ErrSyntax) || !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a SyntaxError", in, err)
		}
	}
}

// FuzzParse: what Parse accepts encoding/json accepts too (Parse is
// stricter: no duplicate keys, bounded depth), and its canonical form
// parses back to a fixed point.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x\u00e9"],"b":{"c":null,"d":false}}`, `"\ud83d\ude00"`, `[]`, `-0.0e-7`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not match ErrSyntax", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("Parse accepted what encoding/json refuses: %q", b)
		}
		out := AppendCanonical(nil, v)
		v2, err := Parse(out)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, out)
		}
		if out2 := AppendCanonical(nil, v2); !bytes.Equal(out, out2) {
			t.Fatalf("canonical form is not a fixed point:\n%s\n%s", out, out2)
		}
	})
}
