// Command testlint finds test code that ends a test from a goroutine
// other than the test's own: t.Fatal, t.Fatalf, t.FailNow, t.Skip,
// t.Skipf and t.SkipNow only stop the goroutine that calls them, so a
// test whose helper goroutine calls one goes on as if nothing happened.
// `go vet` (testinggoroutine) sees such a call written in the goroutine's
// own function; testlint also follows the package's functions and
// methods, so a goroutine calling a helper that may call t.Fatal is found
// too. Calls are matched by name (no type checking): a method of any
// type named like an ending helper counts.
//
//	testlint [DIR...]   (default: every directory under .)
//
// Prints one line per finding ("file:line: ...") and exits 1 if any.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ending are the testing.TB methods that end the calling goroutine.
var ending = map[string]bool{"Fatal": true, "Fatalf": true, "FailNow": true, "Skip": true, "Skipf": true, "SkipNow": true}

func main() {
	dirs := os.Args[1:]
	if len(dirs) == 0 {
		var err error
		if dirs, err = testDirs("."); err != nil {
			fmt.Fprintln(os.Stderr, "testlint:", err)
			os.Exit(2)
		}
	}
	var found []string
	for _, d := range dirs {
		f, err := checkDir(d)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testlint:", err)
			os.Exit(2)
		}
		found = append(found, f...)
	}
	for _, f := range found {
		fmt.Println(f)
	}
	if len(found) > 0 {
		fmt.Printf("testlint: %d goroutine(s) may end a test they do not run (report the error back instead)\n", len(found))
		os.Exit(1)
	}
}

// testDirs lists the directories under root holding *_test.go files.
func testDirs(root string) ([]string, error) {
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, "_test.go") {
			seen[filepath.Dir(p)] = true
		}
		return nil
	})
	var out []string
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out, err
}

// checkDir parses a directory's test files (one package and its
// external test package, both) and reports the go statements that may
// end the test.
func checkDir(dir string) ([]string, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, p := range pkgs {
		for _, f := range p.Files {
			files = append(files, f)
		}
	}
	enders := findEnders(files)
	var out []string
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			g, ok := n.(*ast.GoStmt)
			if !ok {
				return true
			}
			if why := goEnds(g.Call, enders); why != "" {
				out = append(out, fmt.Sprintf("%s: a goroutine %s", fset.Position(g.Pos()), why))
			}
			return true
		})
	}
	sort.Strings(out)
	return out, nil
}

// callName is "F" for a call of F, ".M" for a call of a method (or a
// package's function) M.
func callName(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return "." + f.Sel.Name
	case *ast.IndexExpr: // a generic function
		if id, ok := f.X.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}

// declName is the name calls use for a declaration: "F" or ".M".
func declName(d *ast.FuncDecl) string {
	if d.Recv != nil {
		return "." + d.Name.Name
	}
	return d.Name.Name
}

// findEnders returns the functions and methods that may end the test:
// they call an ending method, or one of them (to a fixed point).
func findEnders(files []*ast.File) map[string]bool {
	var decls []*ast.FuncDecl
	for _, f := range files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				decls = append(decls, fd)
			}
		}
	}
	enders := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, d := range decls {
			n := declName(d)
			if !enders[n] && bodyEnds(d.Body, enders) != "" {
				enders[n], changed = true, true
			}
		}
	}
	return enders
}

// goEnds says how the call a go statement starts may end the test, or "".
func goEnds(c *ast.CallExpr, enders map[string]bool) string {
	if lit, ok := c.Fun.(*ast.FuncLit); ok {
		return bodyEnds(lit.Body, enders)
	}
	if n := callName(c); enders[n] || ending[strings.TrimPrefix(n, ".")] {
		return "runs " + strings.TrimPrefix(n, ".") + ", which may end the test"
	}
	return ""
}

// bodyEnds says which call in body may end the test, or "". Functions
// given to t.Run run as their own subtest, and go statements in body run
// elsewhere: neither counts.
func bodyEnds(body *ast.BlockStmt, enders map[string]bool) string {
	why := ""
	ast.Inspect(body, func(n ast.Node) bool {
		if why != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.GoStmt:
			return false
		case *ast.CallExpr:
			name := callName(n)
			if name == ".Run" {
				return false
			}
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && ending[sel.Sel.Name] && !isIdent(sel.X, "log") {
				why = "calls " + sel.Sel.Name
			} else if enders[name] {
				why = "calls " + strings.TrimPrefix(name, ".") + ", which may end the test"
			}
		}
		return true
	})
	return why
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
