//go:build unix

// gover's native shim: one program for every shim name (go, gofmt, ...), built once by
// `gover rehash` (gover/select/native.py) with an installed Go and copied into the shims
// dir under each program's name. It chooses the toolchain exactly as shims/resolve.sh and
// gover/select/resolve.py do (the parity tests run all three), then execs it.
//
// Facts (limits, names, the version grammar's kinds) come from facts.go, generated from
// gover/constants.py, paths.py and store.py at build time; nothing is typed out here.
// What belongs to one store (its directories, auto_install, how to call gover) is appended
// to each shim by rehash and read at run time (loadSettings), so one built binary serves
// every GOVER_HOME. Windows keeps its .cmd shims: this file builds on unix only.
//
// Reading rules (shared with Python): regular files only, opened without blocking; at most
// the first versionFileLimit bytes are read, every byte counting (NULs too, then dropped);
// a UTF-8 BOM and CRs tolerated; a line cut by the limit is not seen.
package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ---- output -------------------------------------------------------------------------------

func say(line string) { os.Stderr.WriteString(line + "\n") }

func warn(msg string) { say("gover: warning: " + msg) }

func die(code int, msg string) {
	say("gover: " + msg)
	os.Exit(code)
}

// show: 'WORD' for a warning, or a stand-in when WORD holds anything but printable ASCII
// (sh: [[:print:]] under LC_ALL=C), so a hostile file cannot put escapes on the terminal.
func show(word string) string {
	for i := 0; i < len(word); i++ {
		if word[i] < 0x20 || word[i] > 0x7e {
			return "(unprintable text)"
		}
	}
	return "'" + word + "'"
}

// ---- the store's settings, appended to this very file by rehash ---------------------------

type settings struct {
	versions, aliases, global, shimgo string
	auto                              bool
	gover                             []string
	// Per-version GOBIN (config gobin): the directory of one GOBIN per version, or "";
	// tool: this shim runs a program `go install`ed there; toolFix: how to build it again.
	gobin, shims, toolFix string
	tool                  bool
}

const settingsCap = 64 << 10

// loadSettings reads the settings rehash appended to this executable: NUL-separated key,
// value pairs, the format tag first, then trailerTag and the pairs' length (8 bytes, big
// endian). In the file itself, so a hard link or a copy of a shim anywhere still knows its
// store, and a shim and its settings are replaced together, atomically.
func loadSettings() settings {
	self := "/proc/self/exe"
	fd, err := syscall.Open(self, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		if self, err = os.Executable(); err == nil {
			fd, err = syscall.Open(self, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		}
	}
	if err != nil {
		die(127, "cannot open the shim itself ("+errText(err)+"); run: gover rehash")
	}
	defer syscall.Close(fd)
	if exe, err := os.Executable(); err == nil {
		self = exe
	}
	bad := func(why string) {
		die(127, self+": "+why+"; run: gover rehash")
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		bad("cannot read the shim settings (" + errText(err) + ")")
	}
	tail := make([]byte, len(trailerTag)+8)
	if st.Size < int64(len(tail)) || pread(fd, tail, st.Size-int64(len(tail))) != nil || string(tail[:len(trailerTag)]) != trailerTag {
		bad("no gover shim settings in it")
	}
	var size int64
	for _, b := range tail[len(trailerTag):] {
		size = size<<8 | int64(b)
	}
	if size <= 0 || size > settingsCap || size > st.Size-int64(len(tail)) {
		bad("no gover shim settings in it")
	}
	data := make([]byte, size)
	if pread(fd, data, st.Size-int64(len(tail))-size) != nil || data[size-1] != 0 {
		bad("no gover shim settings in it")
	}
	parts := strings.Split(string(data[:size-1]), "\x00")
	if len(parts)%2 != 0 || parts[0] != "format" || parts[1] != shimMarker {
		bad("no gover shim settings in it")
	}
	var s settings
	seen := map[string]bool{}
	for i := 2; i < len(parts); i += 2 {
		k, v := parts[i], parts[i+1]
		seen[k] = true
		switch k {
		case "versions":
			s.versions = v
		case "aliases":
			s.aliases = v
		case "global":
			s.global = v
		case "shimgo":
			s.shimgo = v
		case "auto_install":
			s.auto = v == "1"
		case "gover":
			s.gover = append(s.gover, v)
		case "gobin":
			s.gobin = v
		case "shims":
			s.shims = v
		case "tool":
			s.tool = v == "1"
		case "tool_fix":
			s.toolFix = v
		}
	}
	for _, k := range []string{"versions", "aliases", "global", "shimgo", "auto_install", "gover"} {
		if !seen[k] {
			bad("no " + k + " in the shim settings")
		}
	}
	return s
}

func pread(fd int, buf []byte, off int64) error {
	for len(buf) > 0 {
		n, err := syscall.Pread(fd, buf, off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return syscall.EIO
		}
		buf, off = buf[n:], off+int64(n)
	}
	return nil
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	if en, ok := err.(syscall.Errno); ok {
		s := en.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

// ---- bounded reading ----------------------------------------------------------------------

type notRegular struct{}

func (notRegular) Error() string { return "not a regular file" }

// readRegular: at most max bytes of path, opened without blocking (a FIFO or a device is
// refused by fstat, never read), every byte counting.
func readRegular(path string, max int) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, notRegular{}
	}
	buf := make([]byte, max)
	n := 0
	for n < max {
		k, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if k <= 0 {
			break
		}
		n += k
	}
	return buf[:n], nil
}

// lines: the complete lines within the first versionFileLimit bytes (BOM, CR, NUL removed);
// ok is false when the file cannot be read.
func lines(path string) ([]string, bool) {
	data, err := readRegular(path, versionFileLimit+1)
	if err != nil {
		return nil, false
	}
	cut := len(data) > versionFileLimit
	if cut {
		data = data[:versionFileLimit]
	}
	text := strings.ReplaceAll(string(data), "\x00", "")
	ls := strings.Split(text, "\n")
	if cut || ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	if len(ls) > 0 {
		ls[0] = strings.TrimPrefix(ls[0], "\xef\xbb\xbf")
	}
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls, true
}

// words: split on spaces and tabs (sh's IFS; a line holds no newline).
func words(line string) []string {
	return strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
}

// ---- file tests (sh's [ -e ], [ -f ], [ -r ], [ -x ]) --------------------------------------

func exists(p string) bool {
	var st syscall.Stat_t
	return syscall.Stat(p, &st) == nil
}

func isFile(p string) bool {
	var st syscall.Stat_t
	return syscall.Stat(p, &st) == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG
}

func access(p string, mode uint32) bool { return syscall.Access(p, mode) == nil }

// pinFile: a readable regular file; absent quietly no, anything else no with a warning.
func pinFile(p string) bool {
	if !exists(p) {
		return false
	}
	if !isFile(p) {
		warn("ignoring " + p + ": not a regular file")
		return false
	}
	if access(p, 4) {
		return true
	}
	warn("ignoring " + p + ": not readable")
	return false
}

// ---- the version grammar (resolve.sh: _gv_num, _gv_valid, _gv_key, _gv_ge) -----------------

func num(s string) bool {
	if s == "" || len(s) > versionMaxDigits || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func kindRank(k string) int {
	for i, name := range versionKinds {
		if k == name {
			return i + 1
		}
	}
	return 0
}

func valid(t string) bool {
	if t == "" || t[0] == '.' || t[len(t)-1] == '.' || strings.Contains(t, "..") {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) && !isLower(t[i]) && t[i] != '.' {
			return false
		}
	}
	dot := strings.IndexByte(t, '.')
	if dot < 0 {
		return num(t)
	}
	if !num(t[:dot]) {
		return false
	}
	r := t[dot+1:]
	switch strings.Count(r, ".") {
	case 0:
	case 1:
		d := strings.IndexByte(r, '.')
		return num(r[:d]) && num(r[d+1:])
	default:
		return false
	}
	i := 0
	for i < len(r) && !isLower(r[i]) {
		i++
	}
	if !num(r[:i]) {
		return false
	}
	r = r[i:]
	if r == "" {
		return true
	}
	i = 0
	for i < len(r) && !isDigit(r[i]) {
		i++
	}
	if kindRank(r[:i]) == 0 {
		return false
	}
	r = r[i:]
	return r == "" || num(r)
}

// norm: a word from a version file or GOVER_VERSION: "go" prefix dropped; ok if acceptable.
func norm(w string) (string, bool) {
	if w == "system" || w == "latest" {
		return w, true
	}
	if strings.HasPrefix(w, "go") && len(w) > 2 && isDigit(w[2]) {
		w = w[2:]
	}
	return w, valid(w)
}

// key: a valid version as (major, minor, patch or -1, kind rank, pre or -1), cmd/go order.
func key(v string) [5]int64 {
	atoi := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	k := [5]int64{0, 0, -1, 0, -1}
	dot := strings.IndexByte(v, '.')
	if dot < 0 {
		k[0], k[2] = atoi(v), 0
		return k
	}
	k[0] = atoi(v[:dot])
	r := v[dot+1:]
	if d := strings.IndexByte(r, '.'); d >= 0 {
		k[1], k[2] = atoi(r[:d]), atoi(r[d+1:])
		return k
	}
	i := 0
	for i < len(r) && !isLower(r[i]) {
		i++
	}
	k[1] = atoi(r[:i])
	if i == len(r) {
		if k[0] == 1 && k[1] < 21 {
			k[2] = 0
		}
		return k
	}
	r = r[i:]
	j := 0
	for j < len(r) && !isDigit(r[j]) {
		j++
	}
	k[3] = int64(kindRank(r[:j]))
	if j < len(r) {
		k[4] = atoi(r[j:])
	}
	return k
}

func ge(a, b string) bool {
	ka, kb := key(a), key(b)
	for i := range ka {
		if ka[i] != kb[i] {
			return ka[i] > kb[i]
		}
	}
	return true
}

// ---- pins ---------------------------------------------------------------------------------

type choice struct {
	tok, src string
	min      bool
	root     string // GOROOT of the chosen install ("" for system)
	name     string
	sys      string // the system go, for system
}

// versionFile: .go-version / global file: the first word of the first non-comment line.
func versionFile(p string) (string, bool) {
	ls, ok := lines(p)
	if !ok {
		return "", false
	}
	for _, l := range ls {
		ws := words(l)
		if len(ws) == 0 || ws[0][0] == '#' {
			continue
		}
		if t, ok := norm(ws[0]); ok {
			return t, true
		}
		warn("ignoring " + p + ": " + show(ws[0]) + " is not a Go version (use e.g. 1.22.10, 1.22, latest or system)")
		return "", false
	}
	return "", false
}

// toolVersions: the first "golang X" or "go X" line.
func toolVersions(p string) (string, bool) {
	ls, ok := lines(p)
	if !ok {
		return "", false
	}
	for _, l := range ls {
		ws := words(l)
		if len(ws) == 0 || (ws[0] != "golang" && ws[0] != "go") {
			continue
		}
		w := ""
		if len(ws) > 1 {
			w = ws[1]
		}
		if t, ok := norm(w); ok {
			return t, true
		}
		warn("ignoring " + p + ": " + show(w) + " is not a Go version (use e.g. 1.22.10, 1.22, latest or system)")
		return "", false
	}
	return "", false
}

// modFile: go.mod / go.work: "toolchain goX" exact, else the "go X" line as a minimum.
func modFile(p string, c *choice) bool {
	ls, _ := lines(p)
	goLine, tc := "", ""
	for _, l := range ls {
		ws := words(l)
		if len(ws) == 0 {
			continue
		}
		if ws[0] == "go" && goLine == "" && len(ws) > 1 {
			goLine = ws[1]
		} else if ws[0] == "toolchain" {
			if len(ws) > 1 {
				tc = ws[1]
			}
			break
		}
	}
	if tc != "" && tc != "default" {
		if strings.HasPrefix(tc, "go") && valid(tc[2:]) {
			c.tok, c.min, c.src = tc[2:], false, "from the toolchain line in "+p
			return true
		}
		warn("ignoring the toolchain line in " + p + ": " + show(tc) + " is not a Go toolchain name")
	}
	if goLine != "" {
		if valid(goLine) {
			c.tok, c.min, c.src = goLine, true, "from the go line in "+p
			return true
		}
		warn("ignoring the go line in " + p + ": " + show(goLine) + " is not a Go version")
	}
	return false
}

// clean: $PWD as pathlib spells it ("." parts, repeated and trailing slashes dropped; ".."
// kept), so the walk visits the directories resolve.py visits.
func clean(p string) string {
	out := ""
	for _, part := range strings.Split(p, "/") {
		if part != "" && part != "." {
			out += "/" + part
		}
	}
	if out == "" {
		return "/"
	}
	return out
}

func parent(d string) string {
	i := strings.LastIndexByte(d, '/')
	if i <= 0 {
		return "/"
	}
	return d[:i]
}

// findPin: GOVER_VERSION, then the walk up from $PWD, then the global file, then system.
func findPin(s *settings, c *choice) {
	if v := os.Getenv(envVersion); v != "" {
		if t, ok := norm(v); ok {
			c.tok, c.src = t, "set by "+envVersion+" (gover shell)"
			return
		}
		warn("ignoring " + envVersion + "=" + show(v) + ": not a Go version")
	}
	gowork := os.Getenv("GOWORK") != "off"
	wd, err := os.Getwd()
	if err != nil {
		wd = os.Getenv("PWD")
	}
	if wd == "" {
		wd = "/"
	}
	dir := clean(wd)
	for {
		f := strings.TrimSuffix(dir, "/") // "" at the root: "/.go-version"
		if p := f + "/.go-version"; pinFile(p) {
			if t, ok := versionFile(p); ok {
				c.tok, c.src = t, "set by "+p
				return
			}
		}
		if p := f + "/.tool-versions"; pinFile(p) {
			if t, ok := toolVersions(p); ok {
				c.tok, c.src = t, "set by "+p
				return
			}
		}
		if p := f + "/go.work"; gowork && pinFile(p) && modFile(p, c) {
			return
		}
		if p := f + "/go.mod"; pinFile(p) {
			if gowork {
				for w := dir; w != "/"; {
					w = parent(w)
					up := strings.TrimSuffix(w, "/") + "/go.work"
					if isFile(up) {
						// The nearest go.work governs, pinned or not.
						if pinFile(up) && modFile(up, c) {
							return
						}
						break
					}
				}
			}
			if modFile(p, c) {
				return
			}
		}
		if dir == "/" {
			break
		}
		dir = parent(dir)
	}
	if pinFile(s.global) {
		if t, ok := versionFile(s.global); ok {
			c.tok, c.src = t, "global default in "+s.global
			return
		}
	}
	c.tok, c.src = "system", "no version file found; using the system go"
}

// ---- the store ----------------------------------------------------------------------------

// installed: versions/NAME is an install (store.is_installed, as facts.go states the rule).
func installed(s *settings, c *choice, name string) bool {
	root := s.versions + "/" + name
	var st syscall.Stat_t
	if syscall.Lstat(root, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return false
	}
	if syscall.Lstat(root+"/"+receiptName, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size == 0 {
		return false
	}
	for _, exe := range goExecutables {
		if isFile(root + "/" + exe) {
			c.root, c.name = root, name
			return true
		}
	}
	return false
}

// alias: aliases/NAME (first line, read like a version file) names an install.
func alias(s *settings, c *choice, name string) bool {
	p := s.aliases + "/" + name
	if !isFile(p) || !access(p, 4) {
		return false
	}
	ls, ok := lines(p)
	if !ok || len(ls) == 0 {
		return false
	}
	return valid(ls[0]) && installed(s, c, ls[0])
}

func lookup(s *settings, c *choice) bool {
	if c.min {
		k := key(c.tok)
		series := strconv.FormatInt(k[0], 10) + "." + strconv.FormatInt(k[1], 10)
		if alias(s, c, series) && ge(c.name, c.tok) {
			return true
		}
		if installed(s, c, c.tok) {
			return true
		}
		if alias(s, c, "latest") && ge(c.name, c.tok) {
			return true
		}
		c.root, c.name = "", ""
		return false
	}
	if alias(s, c, c.tok) || installed(s, c, c.tok) {
		return true
	}
	c.root, c.name = "", ""
	return false
}

// systemGo: the first go on PATH that is not a gover shim (a dir with the marker file, or
// the same file as this store's shims/go, even through a symlink).
func systemGo(s *settings, c *choice) bool {
	var shim syscall.Stat_t
	haveShim := syscall.Stat(s.shimgo, &shim) == nil
	for _, d := range strings.Split(os.Getenv("PATH"), ":") {
		if d == "" {
			d = "."
		}
		p := d + "/go"
		var st syscall.Stat_t
		if syscall.Stat(p, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || !access(p, 1) {
			continue
		}
		if isFile(d + "/" + shimsMarker) {
			continue
		}
		if haveShim && st.Dev == shim.Dev && st.Ino == shim.Ino {
			continue
		}
		c.sys = p
		return true
	}
	return false
}

// resolve: 0 chosen, 1 not installed, 2 system asked for but there is none.
func resolve(s *settings, c *choice) int {
	*c = choice{}
	findPin(s, c)
	if c.tok == "system" {
		if systemGo(s, c) {
			return 0
		}
		return 2
	}
	if lookup(s, c) {
		return 0
	}
	return 1
}

// mayswitch: the user's GOTOOLCHAIN lets go switch itself: the newest installed, else the
// system go, stands in.
func mayswitch(s *settings, c *choice) bool {
	v := os.Getenv(envGotoolchain)
	mode := v[strings.LastIndexByte(v, '+')+1:]
	for _, m := range switchModes {
		if mode == m {
			c.root, c.name = "", ""
			return alias(s, c, "latest") || systemGo(s, c)
		}
	}
	return false
}

// hint: what `gover install` should be given for the unmet choice.
func hint(c *choice) string {
	if c.min && strings.IndexFunc(c.tok, func(r rune) bool { return r >= 'a' && r <= 'z' }) < 0 {
		k := key(c.tok)
		return strconv.FormatInt(k[0], 10) + "." + strconv.FormatInt(k[1], 10)
	}
	return c.tok
}

// ---- main ---------------------------------------------------------------------------------

func program() string {
	name := ""
	if len(os.Args) > 0 {
		name = os.Args[0]
	}
	if name == "" {
		name, _ = os.Executable()
	}
	name = name[strings.LastIndexByte(name, '/')+1:]
	if name == "" || name == "." || name == ".." {
		return "go"
	}
	return name
}

// setenv: env with NAME=VALUE (replacing any earlier NAME).
func setenv(env []string, name, value string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return append(out, name+"="+value)
}

func run(bin string, env []string) {
	argv := append([]string{bin}, os.Args[1:]...)
	err := syscall.Exec(bin, argv, env)
	die(126, bin+": cannot run it ("+errText(err)+")")
}

// spawn: run argv with env and these files as stdin, stdout, stderr; its exit status.
func spawn(argv []string, env []string, files []*os.File) int {
	p, err := os.StartProcess(argv[0], argv, &os.ProcAttr{Env: env, Files: files})
	if err != nil {
		say("gover: " + argv[0] + ": " + errText(err))
		return 127
	}
	st, err := p.Wait()
	if err != nil {
		return 1
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return st.ExitCode()
}

// userGobin: the user set GOBIN with `go env -w` (the file cmd/go's cfg.EnvFile names; the
// last GOBIN line wins, as go reads it).
func userGobin() bool {
	file := os.Getenv("GOENV")
	switch {
	case file == "off":
		return false
	case file != "":
	case os.Getenv("XDG_CONFIG_HOME") != "":
		x := os.Getenv("XDG_CONFIG_HOME")
		if !strings.HasPrefix(x, "/") {
			return false
		}
		file = x + "/go/env"
	case os.Getenv("HOME") != "":
		file = os.Getenv("HOME") + "/.config/go/env"
	default:
		return false
	}
	data, err := readRegular(file, settingsCap)
	if err != nil {
		return false
	}
	value := ""
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "GOBIN=") {
			value = l[len("GOBIN="):]
		}
	}
	return value != ""
}

// isExe: a regular file we may execute ([ -f ] && [ -x ]).
func isExe(p string) bool { return isFile(p) && access(p, 1) }

// toolBin: for a tool shim, the selected version's build of it, or die naming the versions
// that have one and how to build it again.
func toolBin(s *settings, c *choice, prog string) string {
	if c.root != "" && isExe(s.gobin+"/"+c.name+"/"+prog) {
		return s.gobin + "/" + c.name + "/" + prog
	}
	have := ""
	if d, err := os.Open(s.gobin); err == nil {
		names, _ := d.Readdirnames(-1)
		d.Close()
		sortStrings(names)
		for _, v := range names {
			if isExe(s.gobin + "/" + v + "/" + prog) {
				if have != "" {
					have += ", "
				}
				have += v
			}
		}
	}
	if have == "" {
		have = "no version"
	}
	name := c.name
	if c.root == "" {
		name = "system"
	}
	die(127, prog+" is not installed for go "+name+" ("+c.src+"); it is installed for go "+have+"; run: "+s.toolFix)
	return ""
}

// sortStrings: names in byte order, as sh's glob lists them in the C locale.
func sortStrings(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// installAndRehash: `go install` under a per-version GOBIN, then `gover rehash` when a
// program there has no shim yet, so it runs by name at once; exits with go's status.
func installAndRehash(s *settings, bin string, env []string, gobin string) {
	rc := spawn(append([]string{bin}, os.Args[1:]...), env, []*os.File{os.Stdin, os.Stdout, os.Stderr})
	if rc == 0 {
		if d, err := os.Open(gobin); err == nil {
			names, _ := d.Readdirnames(-1)
			d.Close()
			for _, n := range names {
				if n == "gover" || strings.HasPrefix(n, ".") || strings.IndexFunc(n, func(r rune) bool {
					return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '+' || r == '-')
				}) >= 0 {
					continue
				}
				if isExe(gobin+"/"+n) && !exists(s.shims+"/"+n) {
					devnull, _ := os.OpenFile("/dev/null", os.O_WRONLY, 0)
					argv := append(append([]string{}, s.gover...), "rehash")
					if spawn(argv, os.Environ(), []*os.File{os.Stdin, devnull, os.Stderr}) != 0 {
						warn("no shim for " + n + " yet; run: gover rehash")
					}
					break
				}
			}
		}
	}
	os.Exit(rc)
}

// autoInstall: gover install WANT (its output on stderr); its exit status.
func autoInstall(s *settings, want string) int {
	argv := append(append([]string{}, s.gover...), "install", want)
	return spawn(argv, os.Environ(), []*os.File{os.Stdin, os.Stderr, os.Stderr})
}

func main() {
	prog := program()
	// A shim must never end up running itself: count nesting through the environment.
	depth := os.Getenv(envShimDepth)
	n, err := strconv.Atoi(depth)
	if err != nil || len(depth) > 2 || depth[0] < '0' || depth[0] > '9' {
		depth, n = "0", 0
	}
	if n >= maxShimDepth {
		die(126, prog+" shim called itself "+depth+" times; a wrapper on PATH calls it again; remove it or put the shims dir first")
	}
	os.Setenv(envShimDepth, strconv.Itoa(n+1))

	s := loadSettings()
	auto := s.auto
	switch os.Getenv(envAutoInstall) {
	case "1", "true", "yes", "on":
		auto = true
	case "0", "false", "no", "off":
		auto = false
	}
	dry := os.Getenv(envShimDryrun) != ""
	var c choice
	rc := resolve(&s, &c)
	if auto && rc == 1 && !dry {
		if rc = autoInstall(&s, hint(&c)); rc == 0 {
			rc = resolve(&s, &c)
		}
	}
	if rc == 1 && mayswitch(&s, &c) {
		rc = 0
	}
	if dry {
		switch {
		case rc == 0 && c.root != "":
			os.Stdout.WriteString(c.root + "\n")
		case rc == 0:
			os.Stdout.WriteString("system:" + c.sys + "\n")
		case rc == 1:
			os.Stdout.WriteString("not-installed:" + c.tok + "\n")
		default:
			os.Stdout.WriteString("no-system-go\n")
		}
		os.Exit(0)
	}
	switch rc {
	case 0:
	case 1:
		if c.min {
			die(127, "go "+c.tok+" or newer ("+c.src+") is not installed; run: gover install "+hint(&c))
		}
		die(127, "go "+c.tok+" ("+c.src+") is not installed; run: gover install "+c.tok)
	default:
		die(127, "no system go found on PATH ("+c.src+"); run: gover install latest && gover global latest")
	}
	env := os.Environ()
	var bin string
	if s.tool {
		bin = toolBin(&s, &c, prog)
	} else if c.root == "" {
		if prog == "go" {
			run(c.sys, env)
		}
		bin := c.sys[:strings.LastIndexByte(c.sys, '/')+1] + prog
		if access(bin, 1) {
			run(bin, env)
		}
		die(127, prog+" is not next to the system go "+c.sys+"; run: gover which "+prog)
	} else {
		bin = c.root + "/" + binDir + "/" + prog
		if !access(bin, 1) {
			// A Windows tree (paths.Toolchain): its programs end in .exe (WSL can run them).
			if !access(bin+exeSuffix, 1) {
				die(127, "go "+c.name+" ("+c.src+") has no "+prog+"; run: gover which "+prog)
			}
			bin += exeSuffix
		}
	}
	env = setenv(env, "GOROOT", c.root)
	path := os.Getenv("PATH")
	if !strings.HasPrefix(path, c.root+"/"+binDir+":") {
		env = setenv(env, "PATH", c.root+"/"+binDir+":"+path)
	}
	// gover, not go, picks the toolchain: stop go from switching behind our back.
	if os.Getenv("GOTOOLCHAIN") == "" {
		env = setenv(env, "GOTOOLCHAIN", "local")
	}
	if s.gobin != "" && os.Getenv("GOBIN") == "" && !userGobin() {
		// Per-version GOBIN: `go install` puts programs where only this version's tool
		// shims look.
		gobin := s.gobin + "/" + c.name
		env = setenv(env, "GOBIN", gobin)
		if prog == "go" && len(os.Args) > 1 && os.Args[1] == "install" {
			installAndRehash(&s, bin, env, gobin)
		}
	}
	run(bin, env)
}
