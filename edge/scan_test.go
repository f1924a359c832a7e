package edge

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSplitUploads(t *testing.T) {
	const ct = "multipart/form-data; boundary=XyZ"
	tests := []struct {
		file      string
		wantFiles int
		wantNames []string
	}{
		{"two-parts.txt", 1, []string{"a.png"}},
		// A Content-Transfer-Encoding (deprecated for form-data by RFC
		// 7578) would have the edge scan bytes the origin may decode.
		{"quoted-printable.txt", -1, nil},
		{"empty.txt", 0, nil},
		{"bad-unterminated.txt", -1, nil},
		{"bad-header.txt", -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata/multipart", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			ups, err := splitUploads([]byte(ct), body, 16)
			if tt.wantFiles < 0 {
				if !errors.Is(err, errMultipart) {
					t.Fatalf("err = %v, want errMultipart", err)
				}
				return
			}
			if err != nil || len(ups) != tt.wantFiles {
				t.Fatalf("got %d uploads, err %v; want %d", len(ups), err, tt.wantFiles)
			}
			for i, u := range ups {
				if u.name != tt.wantNames[i] {
					t.Errorf("upload %d name %q, want %q", i, u.name, tt.wantNames[i])
				}
				if !strings.HasPrefix(string(u.data), "\x89PNG\r\n\x1a\n") {
					t.Errorf("upload %d data %q", i, u.data)
				}
			}
		})
	}
	// Not multipart: the body is the file.
	ups, err := splitUploads([]byte("image/jpeg"), []byte("raw"), 16)
	if err != nil || len(ups) != 1 || string(ups[0].data) != "raw" || !ups[0].must {
		t.Errorf("raw body: %+v %v", ups, err)
	}
	if _, err := splitUploads([]byte("multipart/form-data"), []byte("x"), 16); !errors.Is(err, errMultipart) {
		t.Errorf("no boundary: err = %v", err)
	}
	many := strings.Repeat("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nx\r\n", 5) + "--XyZ--\r\n"
	if _, err := splitUploads([]byte(ct), []byte(many), 4); !errors.Is(err, errMultipart) {
		t.Errorf("5 parts with a cap of 4: err = %v", err)
	}
}

// FuzzSplitUploads: any body either splits into at most maxParts uploads
// whose bytes come from the body, or is refused with errMultipart.
func FuzzSplitUploads(f *testing.F) {
	files, _ := filepath.Glob("testdata/multipart/*.txt")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("multipart/form-data; boundary=XyZ", b)
	}
	f.Add("image/png", []byte("\x89PNG"))
	f.Add("multipart/mixed; boundary=\"a b\"", []byte("--a b\r\n\r\n--a b--"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		const maxParts = 8
		ups, err := splitUploads([]byte(contentType), body, maxParts)
		if err != nil {
			if !errors.Is(err, errMultipart) {
				t.Fatalf("error %v does not wrap errMultipart", err)
			}
			return
		}
		if len(ups) > maxParts {
			t.Fatalf("%d uploads, cap %d", len(ups), maxParts)
		}
		total := 0
		for _, u := range ups {
			total += len(u.data)
		}
		if total > len(body) {
			t.Fatalf("uploads hold %d bytes from a %d-byte body", total, len(body))
		}
	})
}
