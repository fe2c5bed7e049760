// Command allocsite lists the allocating expressions on given source lines of a Go module,
// with their types and whether those types hold pointers. Standard library only.
//
//	allocsite [-go GO] -dir MODULE_DIR FILE:LINE...
//
// FILE is an absolute path, a path relative to MODULE_DIR, or a path suffix such as the
// import-path form a -trimpath binary records (heapdiff/samples/pointer_slice/main.go); the
// longest path-suffix match wins. The packages holding the files are type-checked from source
// with go/types; their dependencies come from export data (go list -export), as go/packages
// does. One JSON document goes to stdout; per-query problems go to its "errors". Anything that
// stops the whole run goes to stderr, one line first, with exit status 1.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type listedPkg struct {
	ImportPath     string
	Name           string
	Dir            string
	GoFiles        []string
	CgoFiles       []string
	IgnoredGoFiles []string
	Export         string
	DepOnly        bool
	ImportMap      map[string]string
	Error          *struct{ Err string }
}

type candidate struct {
	Kind        string   `json:"kind"`
	Expr        string   `json:"expr"`
	Type        string   `json:"type"`
	Pointers    *bool    `json:"pointers"`
	PtrFraction *float64 `json:"ptr_fraction"`
	Size        *int64   `json:"size"`
	Priority    int      `json:"priority"`
	pos         token.Pos
	lines       []int
}

type result struct {
	Query      string       `json:"query"`
	File       *string      `json:"file"`
	Line       int          `json:"line"`
	Candidates []*candidate `json:"candidates"`
}

type output struct {
	Results []*result `json:"results"`
	Errors  []string  `json:"errors"`
}

var (
	goCmd  = "go"
	errors []string
)

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "allocsite: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	dir := flag.String("dir", ".", "the module directory (go list runs there)")
	flag.StringVar(&goCmd, "go", "go", "the go command")
	queryFile := flag.String("queries", "", "read more FILE:LINE queries, one a line, from this file (- for stdin)")
	flag.Parse()
	queries := flag.Args()
	if *queryFile != "" {
		var b []byte
		var err error
		if *queryFile == "-" {
			b, err = io.ReadAll(os.Stdin)
		} else {
			b, err = os.ReadFile(*queryFile)
		}
		if err != nil {
			fatal("%v", err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimRight(l, "\r"); strings.TrimSpace(l) != "" {
				queries = append(queries, l)
			}
		}
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fatal("%v", err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		fatal("%s is not a directory", abs)
	}
	out := run(abs, queries)
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fatal("%v", err)
	}
}

// goList runs go list -e -json=FIELDS ARGS in dir and decodes its stream of packages.
func goList(dir string, args ...string) []*listedPkg {
	cmd := exec.Command(goCmd, append([]string{"list", "-e"}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var pkgs []*listedPkg
	dec := json.NewDecoder(&stdout)
	for {
		p := new(listedPkg)
		if e := dec.Decode(p); e == io.EOF {
			break
		} else if e != nil {
			fatal("go list output: %v", e)
		}
		pkgs = append(pkgs, p)
	}
	if err != nil && len(pkgs) == 0 {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		fatal("go list in %s: %s", dir, strings.SplitN(msg, "\n", 2)[0])
	}
	return pkgs
}

type fileEntry struct {
	abs  string // absolute path on this machine
	imp  string // import-path form, as -trimpath records it
	pkg  *listedPkg
	absC []string // path components, for suffix matching
	impC []string
}

func components(p string) []string {
	p = strings.ReplaceAll(p, "\\", "/")
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

func commonSuffix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

// resolve finds the listed file a query names: exact absolute path, path relative to dir, then
// the longest path-suffix match against both the real path and the import-path form.
func resolve(q, dir string, files []*fileEntry, byAbs map[string]*fileEntry, ignored map[string]string) (*fileEntry, string) {
	try := []string{}
	if filepath.IsAbs(q) {
		try = append(try, filepath.Clean(q))
	} else {
		try = append(try, filepath.Join(dir, q))
	}
	for _, p := range try {
		if e := byAbs[p]; e != nil {
			return e, ""
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if e := byAbs[real]; e != nil {
				return e, ""
			}
			for _, e := range files {
				if e.pkg.DepOnly {
					continue
				}
				if r, err := filepath.EvalSymlinks(e.abs); err == nil && r == real {
					return e, ""
				}
			}
			if pkg, ok := ignored[p]; ok {
				return nil, "excluded from package " + pkg + " by build constraints"
			}
			if strings.HasSuffix(p, "_test.go") {
				return nil, "test files are not type-checked"
			}
			if st, err := os.Stat(real); err == nil && !st.IsDir() {
				return nil, "no package go list sees in the module has this file (build constraints, or outside ./...?)"
			}
		}
	}
	qc := components(q)
	if len(qc) == 0 {
		return nil, "empty file name"
	}
	best, bestN := []*fileEntry(nil), 0
	for _, e := range files {
		n := commonSuffix(qc, e.absC)
		if m := commonSuffix(qc, e.impC); m > n {
			n = m
		}
		if n == 0 {
			continue
		}
		if n > bestN {
			best, bestN = []*fileEntry{e}, n
		} else if n == bestN {
			best = append(best, e)
		}
	}
	if need := min(2, len(qc)); bestN < need {
		return nil, "no package of the module or its dependencies has this file"
	}
	if len(best) > 1 {
		var own []*fileEntry
		for _, e := range best {
			if !e.pkg.DepOnly {
				own = append(own, e)
			}
		}
		if len(own) == 1 {
			return own[0], ""
		}
		names := []string{}
		for i, e := range best {
			if i == 3 {
				names = append(names, "...")
				break
			}
			names = append(names, e.abs)
		}
		return nil, "ambiguous: matches " + strings.Join(names, ", ")
	}
	return best[0], ""
}

func runtimeInternal(path string) bool {
	return path == "runtime" || strings.HasPrefix(path, "internal/runtime/") ||
		strings.HasPrefix(path, "runtime/internal/")
}

func run(dir string, queries []string) *output {
	out := &output{Results: []*result{}}
	var todo []pending
	var parsed []*result
	for _, q := range queries {
		r := &result{Query: q, Candidates: []*candidate{}}
		out.Results = append(out.Results, r)
		i := strings.LastIndex(q, ":")
		line := 0
		if i > 0 {
			line, _ = strconv.Atoi(q[i+1:])
		}
		if line <= 0 {
			errors = append(errors, q+": not FILE:LINE")
			continue
		}
		r.Line = line
		parsed = append(parsed, r)
	}
	if len(parsed) > 0 {
		pkgs := goList(dir, "-deps", "-json=ImportPath,Name,Dir,GoFiles,CgoFiles,IgnoredGoFiles,DepOnly,Error", "./...")
		var files []*fileEntry
		byAbs := map[string]*fileEntry{}
		ignored := map[string]string{}
		for _, p := range pkgs {
			if p.Dir == "" {
				continue
			}
			for _, f := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
				e := &fileEntry{abs: filepath.Join(p.Dir, f), imp: p.ImportPath + "/" + f, pkg: p}
				e.absC, e.impC = components(e.abs), components(e.imp)
				files = append(files, e)
				byAbs[e.abs] = e
			}
			for _, f := range p.IgnoredGoFiles {
				ignored[filepath.Join(p.Dir, f)] = p.ImportPath
			}
		}
		if len(files) == 0 {
			why := "is it inside a Go module?"
			for _, p := range pkgs {
				if p.Error != nil && p.Error.Err != "" {
					why = firstLine(p.Error.Err) + " (is it inside a Go module?)"
					break
				}
			}
			fatal("go list found no Go packages in %s: %s", dir, why)
		}
		type resolution struct {
			e   *fileEntry
			why string
		}
		resolved := map[string]resolution{}
		for _, r := range parsed {
			name := r.Query[:strings.LastIndex(r.Query, ":")]
			res, ok := resolved[name]
			if !ok {
				res.e, res.why = resolve(name, dir, files, byAbs, ignored)
				resolved[name] = res
			}
			e, why := res.e, res.why
			if e == nil {
				errors = append(errors, r.Query+": "+why)
				continue
			}
			abs := e.abs
			r.File = &abs
			if runtimeInternal(e.pkg.ImportPath) {
				errors = append(errors, r.Query+": a line inside the runtime ("+e.pkg.ImportPath+
					"): the allocated type is not knowable from source")
				continue
			}
			todo = append(todo, pending{r, e})
		}
	}
	if len(todo) > 0 {
		byPkg := map[string][]pending{}
		var order []string
		for _, t := range todo {
			ip := t.entry.pkg.ImportPath
			if _, ok := byPkg[ip]; !ok {
				order = append(order, ip)
			}
			byPkg[ip] = append(byPkg[ip], t)
		}
		args := append([]string{"-export", "-deps", "-json=ImportPath,Export,ImportMap,Error"}, order...)
		exports := map[string]string{}
		importMaps := map[string]map[string]string{}
		for _, p := range goList(dir, args...) {
			exports[p.ImportPath] = p.Export
			importMaps[p.ImportPath] = p.ImportMap
		}
		fset := token.NewFileSet()
		imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
			f := exports[path]
			if f == "" {
				return nil, fmt.Errorf("no export data for %q (does it compile?)", path)
			}
			return os.Open(f)
		})
		sizes := types.SizesFor("gc", goEnv("GOARCH"))
		if sizes == nil {
			sizes = types.SizesFor("gc", "amd64")
		}
		for _, ip := range order {
			group := byPkg[ip]
			checkPackage(fset, imp, importMaps[ip], sizes, group[0].entry.pkg, func(path string, cands []*candidate) {
				byLine := map[int][]*candidate{}
				for _, c := range cands {
					for _, l := range c.lines {
						byLine[l] = append(byLine[l], c)
					}
				}
				for _, t := range group {
					if t.entry.abs == path {
						t.res.Candidates = append(t.res.Candidates, byLine[t.res.Line]...)
					}
				}
			}, fileSet(group))
		}
	}
	out.Errors = errors
	if out.Errors == nil {
		out.Errors = []string{}
	}
	return out
}

type pending struct {
	res   *result
	entry *fileEntry
}

func fileSet(group []pending) map[string]bool {
	m := map[string]bool{}
	for _, t := range group {
		m[t.entry.abs] = true
	}
	return m
}

func goEnv(name string) string {
	cmd := exec.Command(goCmd, "env", name)
	b, err := cmd.Output()
	if err != nil {
		fatal("%s env %s: %v", goCmd, name, err)
	}
	return strings.TrimSpace(string(b))
}

// checkPackage type-checks one package from source and reports the candidates of each wanted file.
func checkPackage(fset *token.FileSet, imp types.Importer, importMap map[string]string, sizes types.Sizes,
	p *listedPkg, report func(path string, cands []*candidate), wanted map[string]bool) {
	defer func() {
		if r := recover(); r != nil {
			errors = append(errors, fmt.Sprintf("%s: internal error, lines of this package left out: %v", p.ImportPath, r))
		}
	}()
	var files []*ast.File
	src := map[*ast.File][]byte{}
	paths := map[*ast.File]string{}
	for _, name := range append(append([]string{}, p.GoFiles...), p.CgoFiles...) {
		path := filepath.Join(p.Dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			errors = append(errors, err.Error())
			continue
		}
		f, err := parser.ParseFile(fset, path, b, parser.SkipObjectResolution)
		if err != nil {
			errors = append(errors, p.ImportPath+": "+firstLine(err.Error()))
		}
		if f != nil {
			files = append(files, f)
			src[f], paths[f] = b, path
		}
	}
	var typeErrs []string
	conf := types.Config{
		Importer: importerFunc(func(path string) (*types.Package, error) {
			if m, ok := importMap[path]; ok {
				path = m
			}
			return imp.Import(path)
		}),
		Sizes:       sizes,
		FakeImportC: len(p.CgoFiles) > 0,
		Error:       func(err error) { typeErrs = append(typeErrs, err.Error()) },
	}
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	pkg, _ := conf.Check(p.ImportPath, fset, files, info)
	if len(typeErrs) > 0 && len(p.CgoFiles) > 0 {
		errors = append(errors, fmt.Sprintf("%s: uses cgo: expressions of C types are left out (%d type errors)",
			p.ImportPath, len(typeErrs)))
	} else if len(typeErrs) > 0 {
		more := ""
		if len(typeErrs) > 1 {
			more = fmt.Sprintf(" (and %d more)", len(typeErrs)-1)
		}
		errors = append(errors, p.ImportPath+": type errors, results may be incomplete: "+firstLine(typeErrs[0])+more)
	}
	for _, f := range files {
		if !wanted[paths[f]] {
			continue
		}
		c := &collector{fset: fset, info: info, pkg: pkg, sizes: sizes, src: src[f]}
		report(paths[f], c.collect(f))
	}
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// ---- the pointer walk ----

func unalias(t types.Type) types.Type {
	for {
		a, ok := t.(interface{ Rhs() types.Type })
		if !ok {
			return t
		}
		t = a.Rhs()
	}
}

func isTypeParam(t types.Type) bool {
	_, ok := unalias(t).(*types.TypeParam)
	return ok
}

// walk counts the pointer words of t. unknown: a type parameter (or a broken type) decides.
func (c *collector) walk(t types.Type) (ptrWords int64, hasPtr, unknown bool) {
	t = unalias(t)
	if isTypeParam(t) {
		return 0, false, true
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch u.Kind() {
		case types.String, types.UnsafePointer:
			return 1, true, false
		case types.Invalid:
			return 0, false, true
		}
		return 0, false, false
	case *types.Pointer, *types.Map, *types.Chan, *types.Signature, *types.Slice:
		return 1, true, false
	case *types.Interface:
		return 2, true, false
	case *types.Array:
		w, h, unk := c.walk(u.Elem())
		if u.Len() == 0 {
			return 0, false, unk
		}
		return w * u.Len(), h, unk
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			w, h, unk := c.walk(u.Field(i).Type())
			ptrWords += w
			hasPtr = hasPtr || h
			unknown = unknown || unk
		}
		return
	}
	return 0, false, true
}

func (c *collector) sizeof(t types.Type) (n int64, ok bool) {
	if _, _, unk := c.walk(t); unk {
		return 0, false
	}
	defer func() {
		if recover() != nil {
			n, ok = 0, false
		}
	}()
	return c.sizes.Sizeof(t), true
}

// pointerShaped types are stored directly in an interface's data word: boxing them is free.
func (c *collector) pointerShaped(t types.Type) bool {
	t = unalias(t)
	if isTypeParam(t) {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer, *types.Map, *types.Chan, *types.Signature:
		return true
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	case *types.Struct:
		return u.NumFields() == 1 && c.pointerShaped(u.Field(0).Type())
	case *types.Array:
		return u.Len() == 1 && c.pointerShaped(u.Elem())
	}
	return false
}

// ---- the collector ----

type collector struct {
	fset      *token.FileSet
	info      *types.Info
	pkg       *types.Package
	sizes     types.Sizes
	src       []byte
	out       []*candidate
	stack     []ast.Node
	assigned  map[*types.Var]bool
	addrTaken map[*types.Var]bool
	byRef     map[*types.Var]bool
}

func (c *collector) qualifier(p *types.Package) string { return p.Name() }

func (c *collector) typeString(t types.Type) string { return types.TypeString(t, c.qualifier) }

func (c *collector) line(p token.Pos) int {
	if !p.IsValid() {
		return 0
	}
	return c.fset.Position(p).Line
}

func (c *collector) text(n ast.Node) string {
	start, end := c.fset.Position(n.Pos()).Offset, c.fset.Position(n.End()).Offset
	if start < 0 || end > len(c.src) || start > end {
		return ""
	}
	s := string(c.src[start:end])
	if fl, ok := n.(*ast.FuncLit); ok {
		return c.text(fl.Type) + " {...}"
	}
	if strings.ContainsAny(s, "\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	if len(s) <= 100 {
		return s
	}
	switch x := n.(type) {
	case *ast.UnaryExpr:
		if cl, ok := x.X.(*ast.CompositeLit); ok && cl.Type != nil {
			return "&" + c.text(cl.Type) + "{...}"
		}
	case *ast.CompositeLit:
		if x.Type != nil {
			return c.text(x.Type) + "{...}"
		}
	case *ast.CallExpr:
		return c.text(x.Fun) + "(...)"
	}
	return s[:97] + "..."
}

// unit is the part of an allocation whose layout decides the verdict: the element of a
// slice's backing array or a channel's buffer, one map slot, the bytes of a string.
func (c *collector) unit(kind string, t types.Type) types.Type {
	switch kind {
	case "make-slice", "slice-literal", "append", "string-conv", "string-concat",
		"make-map", "map-literal", "map-assign", "make-chan":
	default:
		return t
	}
	u := unalias(t)
	if isTypeParam(u) {
		u = coreType(u)
		if u == nil {
			return t
		}
	}
	switch x := u.Underlying().(type) {
	case *types.Slice:
		return x.Elem()
	case *types.Chan:
		return x.Elem()
	case *types.Map:
		k, v := x.Key(), x.Elem()
		if n, ok := c.sizeof(k); ok && n > 128 {
			k = types.NewPointer(k)
		}
		if n, ok := c.sizeof(v); ok && n > 128 {
			v = types.NewPointer(v)
		}
		return types.NewStruct([]*types.Var{
			types.NewField(token.NoPos, nil, "key", k, false),
			types.NewField(token.NoPos, nil, "elem", v, false),
		}, nil)
	case *types.Basic:
		if x.Info()&types.IsString != 0 {
			return types.Typ[types.Byte]
		}
	}
	return t
}

// coreType is the single underlying type a type parameter's constraint allows, if evident.
func coreType(t types.Type) types.Type {
	tp, ok := unalias(t).(*types.TypeParam)
	if !ok {
		return t.Underlying()
	}
	iface, ok := tp.Constraint().Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	for i := 0; i < iface.NumEmbeddeds(); i++ {
		e := iface.EmbeddedType(i)
		if u, ok := e.(*types.Union); ok && u.Len() > 0 {
			return u.Term(0).Type().Underlying()
		}
		if _, ok := e.Underlying().(*types.Interface); !ok {
			return e.Underlying()
		}
	}
	return nil
}

func (c *collector) add(kind string, n ast.Node, t types.Type, prio int, keys ...token.Pos) {
	if t == nil {
		return
	}
	if b, ok := t.Underlying().(*types.Basic); ok && b.Kind() == types.Invalid {
		return
	}
	u := c.unit(kind, t)
	w, has, unk := c.walk(u)
	cand := &candidate{Kind: kind, Expr: c.text(n), Type: c.typeString(t), Priority: prio, pos: n.Pos()}
	if has || !unk {
		v := has
		cand.Pointers = &v
	}
	if size, ok := c.sizeof(u); ok {
		if size == 0 && (kind == "new" || kind == "composite" || kind == "iface-box" || kind == "moved-var") {
			return // zero-sized objects all share runtime.zerobase
		}
		cand.Size = &size
		if !unk && size > 0 {
			ptr := c.sizes.Sizeof(types.Typ[types.UnsafePointer])
			words := (size + ptr - 1) / ptr
			f := math.Round(float64(w)/float64(words)*10000) / 10000
			cand.PtrFraction = &f
		}
	}
	seen := map[int]bool{}
	for _, p := range append([]token.Pos{n.Pos()}, keys...) {
		if l := c.line(p); l > 0 && !seen[l] {
			seen[l] = true
			cand.lines = append(cand.lines, l)
		}
	}
	c.out = append(c.out, cand)
}

func (c *collector) typeOf(e ast.Expr) types.Type {
	if tv, ok := c.info.Types[e]; ok {
		return tv.Type
	}
	if id, ok := e.(*ast.Ident); ok {
		if o := c.info.Defs[id]; o != nil {
			return o.Type()
		}
		if o := c.info.Uses[id]; o != nil {
			return o.Type()
		}
	}
	return nil
}

func (c *collector) parent() ast.Node {
	for i := len(c.stack) - 2; i >= 0; i-- {
		if _, ok := c.stack[i].(*ast.ParenExpr); !ok {
			return c.stack[i]
		}
	}
	return nil
}

func (c *collector) collect(f *ast.File) []*candidate {
	c.assigned, c.addrTaken, c.byRef = map[*types.Var]bool{}, map[*types.Var]bool{}, map[*types.Var]bool{}
	ast.Inspect(f, c.prepass)
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			c.stack = c.stack[:len(c.stack)-1]
			return true
		}
		c.stack = append(c.stack, n)
		c.visit(n)
		return true
	})
	c.movedVars(f)
	sort.SliceStable(c.out, func(i, j int) bool {
		if c.out[i].Priority != c.out[j].Priority {
			return c.out[i].Priority < c.out[j].Priority
		}
		return c.out[i].pos < c.out[j].pos
	})
	return c.out
}

// localVar is the function-local variable an expression denotes, or nil.
func (c *collector) localVar(e ast.Expr) *types.Var {
	id, ok := unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := c.info.Uses[id].(*types.Var)
	if !ok {
		v, ok = c.info.Defs[id].(*types.Var)
	}
	if !ok || v.IsField() || c.pkg == nil || v.Pkg() != c.pkg || v.Parent() == nil ||
		v.Parent() == c.pkg.Scope() || v.Parent() == types.Universe {
		return nil
	}
	return v
}

// root is the variable whose storage an addressable expression lives in (x in x.f[2].g).
func (c *collector) root(e ast.Expr) *types.Var {
	switch x := unparen(e).(type) {
	case *ast.Ident:
		return c.localVar(x)
	case *ast.SelectorExpr:
		if s := c.info.Selections[x]; s != nil && s.Kind() == types.FieldVal && !s.Indirect() {
			if _, ptr := c.typeOf(x.X).Underlying().(*types.Pointer); !ptr {
				return c.root(x.X)
			}
		}
	case *ast.IndexExpr:
		if t := c.typeOf(x.X); t != nil {
			if _, arr := t.Underlying().(*types.Array); arr {
				return c.root(x.X)
			}
		}
	}
	return nil
}

func (c *collector) prepass(n ast.Node) bool {
	mark := func(e ast.Expr) {
		if v := c.root(e); v != nil {
			c.assigned[v] = true
		}
	}
	switch x := n.(type) {
	case *ast.AssignStmt:
		for _, l := range x.Lhs {
			if id, ok := l.(*ast.Ident); ok && x.Tok == token.DEFINE && c.info.Defs[id] != nil {
				continue
			}
			mark(l)
		}
	case *ast.IncDecStmt:
		mark(x.X)
	case *ast.RangeStmt:
		if x.Tok == token.ASSIGN {
			if x.Key != nil {
				mark(x.Key)
			}
			if x.Value != nil {
				mark(x.Value)
			}
		}
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			if v := c.root(x.X); v != nil {
				c.addrTaken[v] = true
			}
		}
	case *ast.SliceExpr:
		if t := c.typeOf(x.X); t != nil {
			if _, arr := t.Underlying().(*types.Array); arr {
				if v := c.root(x.X); v != nil {
					c.addrTaken[v] = true
				}
			}
		}
	case *ast.SelectorExpr:
		if s := c.info.Selections[x]; s != nil && s.Kind() == types.MethodVal {
			if sig, ok := s.Obj().Type().(*types.Signature); ok && sig.Recv() != nil {
				if _, ptrRecv := sig.Recv().Type().Underlying().(*types.Pointer); ptrRecv {
					if t := c.typeOf(x.X); t != nil {
						if _, isPtr := t.Underlying().(*types.Pointer); !isPtr {
							if v := c.root(x.X); v != nil {
								c.addrTaken[v] = true
							}
						}
					}
				}
			}
		}
	}
	return true
}

func (c *collector) visit(n ast.Node) {
	switch x := n.(type) {
	case *ast.CallExpr:
		c.call(x)
	case *ast.CompositeLit:
		c.compositeLit(x)
	case *ast.BinaryExpr:
		c.concat(x)
	case *ast.AssignStmt:
		c.assign(x)
	case *ast.IncDecStmt:
		c.mapAssign(x.X, x, x.TokPos)
	case *ast.ValueSpec:
		if x.Type != nil && len(x.Values) == len(x.Names) {
			for _, v := range x.Values {
				c.box(v, c.typeOf(x.Type))
			}
		}
	case *ast.ReturnStmt:
		c.returns(x)
	case *ast.SendStmt:
		if t := c.typeOf(x.Chan); t != nil {
			if ch, ok := t.Underlying().(*types.Chan); ok {
				c.box(x.Value, ch.Elem())
			}
		}
	case *ast.FuncLit:
		c.closure(x)
	case *ast.GoStmt:
		c.goStmt(x)
	case *ast.SelectorExpr:
		c.methodValue(x)
	}
}

func (c *collector) call(x *ast.CallExpr) {
	fun := unparen(x.Fun)
	tv := c.info.Types[fun]
	switch {
	case tv.IsType():
		c.conversion(x, tv.Type)
	case tv.IsBuiltin():
		id, ok := fun.(*ast.Ident)
		if !ok {
			return
		}
		b, ok := c.info.Uses[id].(*types.Builtin)
		if !ok {
			return
		}
		switch b.Name() {
		case "make":
			if len(x.Args) == 0 {
				return
			}
			t := c.typeOf(x.Args[0])
			if t == nil {
				return
			}
			kind := ""
			switch u := coreType(t).(type) {
			case *types.Slice:
				kind = "make-slice"
			case *types.Map:
				kind = "make-map"
			case *types.Chan:
				kind = "make-chan"
			default:
				_ = u
				if isTypeParam(t) {
					kind = "make-slice"
				}
			}
			if kind != "" {
				c.add(kind, x, t, 0, x.Lparen)
			}
		case "new":
			if len(x.Args) == 1 {
				if t := c.typeOf(x.Args[0]); t != nil {
					c.add("new", x, types.Default(t), 0, x.Lparen)
				}
			}
		case "append":
			t := c.typeOf(x)
			if t == nil {
				return
			}
			c.add("append", x, t, 0, x.Lparen)
			if !x.Ellipsis.IsValid() {
				if s, ok := coreType(t).(*types.Slice); ok {
					for _, a := range x.Args[1:] {
						c.box(a, s.Elem())
					}
				}
			}
		}
	default:
		sig, ok := c.typeOf(fun).(*types.Signature)
		if !ok {
			if t := c.typeOf(fun); t != nil {
				sig, ok = coreType(t).(*types.Signature)
			}
			if !ok || sig == nil {
				return
			}
		}
		params := sig.Params()
		if len(x.Args) == 1 && params.Len() > 1 {
			return // f(g()) with a multi-value g
		}
		for i, a := range x.Args {
			var pt types.Type
			switch {
			case sig.Variadic() && i >= params.Len()-1:
				last := params.At(params.Len() - 1).Type()
				if x.Ellipsis.IsValid() {
					pt = last
				} else if s, ok := last.Underlying().(*types.Slice); ok {
					pt = s.Elem()
				}
			case i < params.Len():
				pt = params.At(i).Type()
			}
			c.box(a, pt)
		}
	}
}

func (c *collector) conversion(x *ast.CallExpr, to types.Type) {
	if len(x.Args) != 1 {
		return
	}
	arg := x.Args[0]
	if types.IsInterface(to) && !isTypeParam(to) {
		c.box(arg, to)
		return
	}
	if tv := c.info.Types[x]; tv.Value != nil {
		return // a constant
	}
	from := c.typeOf(arg)
	if from == nil {
		return
	}
	isString := func(t types.Type) bool {
		b, ok := t.Underlying().(*types.Basic)
		return ok && b.Info()&types.IsString != 0
	}
	isBytesOrRunes := func(t types.Type) bool {
		s, ok := t.Underlying().(*types.Slice)
		if !ok {
			return false
		}
		b, ok := s.Elem().Underlying().(*types.Basic)
		return ok && (b.Kind() == types.Byte || b.Kind() == types.Rune)
	}
	isInteger := func(t types.Type) bool {
		b, ok := t.Underlying().(*types.Basic)
		return ok && b.Info()&types.IsInteger != 0
	}
	switch {
	case isString(to) && (isBytesOrRunes(from) || isInteger(from)),
		isBytesOrRunes(to) && isString(from):
		c.add("string-conv", x, to, 0, x.Lparen)
	}
}

// box records the allocation of converting e to the interface type target, if it allocates.
func (c *collector) box(e ast.Expr, target types.Type) {
	if target == nil || isTypeParam(target) || !types.IsInterface(target) {
		return
	}
	tv, ok := c.info.Types[e]
	if !ok || tv.Type == nil || tv.Value != nil || tv.IsNil() || tv.IsType() {
		return
	}
	t := tv.Type
	if !isTypeParam(t) && types.IsInterface(t) {
		return
	}
	if c.pointerShaped(t) {
		return
	}
	if b, ok := t.Underlying().(*types.Basic); ok && (b.Info()&types.IsUntyped != 0 ||
		((b.Info()&(types.IsInteger|types.IsBoolean) != 0) && c.sizes.Sizeof(b) == 1)) {
		return // one-byte values come from runtime.staticuint64s
	}
	c.add("iface-box", e, t, 1)
}

func (c *collector) compositeLit(x *ast.CompositeLit) {
	t := c.typeOf(x)
	if t == nil {
		return
	}
	u := coreType(t)
	if u == nil {
		return
	}
	// element boxing
	switch lt := u.(type) {
	case *types.Struct:
		for i, el := range x.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if id, ok := kv.Key.(*ast.Ident); ok {
					for j := 0; j < lt.NumFields(); j++ {
						if lt.Field(j).Name() == id.Name {
							c.box(kv.Value, lt.Field(j).Type())
						}
					}
				}
			} else if i < lt.NumFields() {
				c.box(el, lt.Field(i).Type())
			}
		}
	case *types.Slice, *types.Array, *types.Map:
		var key, elem types.Type
		switch lt := lt.(type) {
		case *types.Slice:
			elem = lt.Elem()
		case *types.Array:
			elem = lt.Elem()
		case *types.Map:
			key, elem = lt.Key(), lt.Elem()
		}
		for _, el := range x.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if key != nil {
					c.box(kv.Key, key)
				}
				c.box(kv.Value, elem)
			} else {
				c.box(el, elem)
			}
		}
	}
	if p, ok := c.parent().(*ast.UnaryExpr); ok && p.Op == token.AND && unparen(p.X) == x {
		c.add("composite", p, t, 0, x.Lbrace)
		return
	}
	if ptr, ok := u.(*types.Pointer); ok && x.Type == nil {
		c.add("composite", x, ptr.Elem(), 0, x.Lbrace) // &T elided in []*T{{...}}
		return
	}
	switch u.(type) {
	case *types.Slice:
		c.add("slice-literal", x, t, 0, x.Lbrace)
	case *types.Map:
		c.add("map-literal", x, t, 0, x.Lbrace)
	}
}

func (c *collector) isStringAdd(e ast.Expr) (*ast.BinaryExpr, bool) {
	b, ok := unparen(e).(*ast.BinaryExpr)
	if !ok || b.Op != token.ADD {
		return nil, false
	}
	t := c.typeOf(b)
	if t == nil {
		return nil, false
	}
	bt, ok := t.Underlying().(*types.Basic)
	return b, ok && bt.Info()&types.IsString != 0
}

func (c *collector) concat(x *ast.BinaryExpr) {
	if _, ok := c.isStringAdd(x); !ok {
		return
	}
	if tv := c.info.Types[x]; tv.Value != nil {
		return
	}
	if p, ok := c.parent().(ast.Expr); ok {
		if _, ok := c.isStringAdd(p); ok {
			return // not the root of the chain: one concatstrings call for all of it
		}
	}
	var keys []token.Pos
	var walk func(e ast.Expr)
	walk = func(e ast.Expr) {
		if b, ok := c.isStringAdd(e); ok {
			keys = append(keys, b.OpPos)
			walk(b.X)
			walk(b.Y)
		}
	}
	walk(x)
	c.add("string-concat", x, c.typeOf(x), 0, keys...)
}

func (c *collector) mapAssign(lhs ast.Expr, stmt ast.Node, tok token.Pos) {
	ix, ok := unparen(lhs).(*ast.IndexExpr)
	if !ok {
		return
	}
	t := c.typeOf(ix.X)
	if t == nil {
		return
	}
	if _, ok := coreType(t).(*types.Map); ok {
		c.add("map-assign", ix, t, 0, ix.Lbrack, tok)
	}
}

func (c *collector) assign(x *ast.AssignStmt) {
	for _, l := range x.Lhs {
		c.mapAssign(l, x, x.TokPos)
	}
	if x.Tok == token.ADD_ASSIGN && len(x.Lhs) == 1 {
		if t := c.typeOf(x.Lhs[0]); t != nil {
			if b, ok := t.Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
				c.add("string-concat", x, t, 0, x.TokPos)
			}
		}
	}
	if x.Tok == token.ASSIGN && len(x.Lhs) == len(x.Rhs) {
		for i, l := range x.Lhs {
			if id, ok := l.(*ast.Ident); ok && id.Name == "_" {
				continue
			}
			c.box(x.Rhs[i], c.typeOf(l))
		}
	}
}

func (c *collector) enclosingSig() *types.Signature {
	for i := len(c.stack) - 1; i >= 0; i-- {
		switch f := c.stack[i].(type) {
		case *ast.FuncLit:
			s, _ := c.typeOf(f).(*types.Signature)
			return s
		case *ast.FuncDecl:
			if o := c.info.Defs[f.Name]; o != nil {
				s, _ := o.Type().(*types.Signature)
				return s
			}
			return nil
		}
	}
	return nil
}

func (c *collector) returns(x *ast.ReturnStmt) {
	sig := c.enclosingSig()
	if sig == nil || sig.Results().Len() != len(x.Results) {
		return
	}
	for i, r := range x.Results {
		c.box(r, sig.Results().At(i).Type())
	}
}

// captured lists the variables of enclosing functions that a function literal refers to.
func (c *collector) captured(lit *ast.FuncLit) []*types.Var {
	var vars []*types.Var
	seen := map[*types.Var]bool{}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := c.info.Uses[id].(*types.Var)
		if !ok || v.IsField() || seen[v] || c.pkg == nil || v.Pkg() != c.pkg || v.Parent() == nil ||
			v.Parent() == c.pkg.Scope() || (v.Pos() >= lit.Pos() && v.Pos() < lit.End()) {
			return true
		}
		seen[v] = true
		vars = append(vars, v)
		return true
	})
	return vars
}

// closure: a func literal with captured variables allocates struct{F uintptr; captures...}.
// A variable is captured by reference when it is reassigned, has its address taken or is
// larger than 128 bytes (the compiler's rule); it then also moves to the heap itself.
func (c *collector) closure(lit *ast.FuncLit) {
	vars := c.captured(lit)
	if len(vars) == 0 {
		return
	}
	fields := []*types.Var{types.NewField(token.NoPos, nil, "F", types.Typ[types.Uintptr], false)}
	for _, v := range vars {
		t := v.Type()
		size, ok := c.sizeof(t)
		if c.assigned[v] || c.addrTaken[v] || !ok || size > 128 {
			t = types.NewPointer(t)
			c.byRef[v] = true
		}
		fields = append(fields, types.NewField(token.NoPos, nil, v.Name(), t, false))
	}
	c.add("closure", lit, types.NewStruct(fields, nil), 0)
}

// goStmt: go f(args) wraps the call in a closure holding the evaluated function and arguments.
func (c *collector) goStmt(g *ast.GoStmt) {
	call := g.Call
	fields := []*types.Var{types.NewField(token.NoPos, nil, "F", types.Typ[types.Uintptr], false)}
	fun := unparen(call.Fun)
	switch f := fun.(type) {
	case *ast.FuncLit:
		if len(c.captured(f)) > 0 {
			fields = append(fields, types.NewField(token.NoPos, nil, "fn", c.typeOf(f), false))
		}
	case *ast.SelectorExpr:
		if s := c.info.Selections[f]; s != nil && s.Kind() == types.MethodVal {
			fields = append(fields, types.NewField(token.NoPos, nil, "recv", c.typeOf(f.X), false))
		}
	case *ast.Ident:
		if _, ok := c.info.Uses[f].(*types.Func); !ok {
			if t := c.typeOf(f); t != nil {
				fields = append(fields, types.NewField(token.NoPos, nil, "fn", t, false))
			}
		}
	}
	for i, a := range call.Args {
		if t := c.typeOf(a); t != nil {
			fields = append(fields, types.NewField(token.NoPos, nil, "a"+strconv.Itoa(i), types.Default(t), false))
		}
	}
	if len(fields) > 1 {
		c.add("closure", g, types.NewStruct(fields, nil), 0, call.Lparen)
	}
}

// methodValue: x.M used as a value (not called) allocates struct{F uintptr; R recv}.
func (c *collector) methodValue(x *ast.SelectorExpr) {
	s := c.info.Selections[x]
	if s == nil || s.Kind() != types.MethodVal {
		return
	}
	if call, ok := c.parent().(*ast.CallExpr); ok && unparen(call.Fun) == x {
		return
	}
	if _, ok := c.parent().(*ast.GoStmt); ok {
		return
	}
	for i := len(c.stack) - 2; i >= 0; i-- {
		if _, ok := c.stack[i].(*ast.ParenExpr); ok {
			continue
		}
		if g, ok := c.stack[i].(*ast.CallExpr); ok && unparen(g.Fun) == x {
			return
		}
		break
	}
	recv := c.typeOf(x.X)
	if recv == nil {
		return
	}
	if sig, ok := s.Obj().Type().(*types.Signature); ok && sig.Recv() != nil {
		if _, ptr := sig.Recv().Type().Underlying().(*types.Pointer); ptr {
			if _, isPtr := recv.Underlying().(*types.Pointer); !isPtr {
				recv = types.NewPointer(recv)
			}
		}
	}
	fields := []*types.Var{
		types.NewField(token.NoPos, nil, "F", types.Typ[types.Uintptr], false),
		types.NewField(token.NoPos, nil, "R", recv, false),
	}
	c.add("closure", x, types.NewStruct(fields, nil), 0, x.Sel.Pos())
}

// movedVars: locals whose address is taken or that closures capture by reference may have
// been moved to the heap (escape analysis decides); the allocation is at the declaration.
func (c *collector) movedVars(f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := c.info.Defs[id].(*types.Var)
		if !ok || v.IsField() || (!c.addrTaken[v] && !c.byRef[v]) || c.localVar(id) == nil {
			return true
		}
		c.add("moved-var", id, v.Type(), 2)
		return true
	})
}
