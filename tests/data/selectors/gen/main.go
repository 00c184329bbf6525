// Command gen writes ../vectors.json: how the real k8s.io/apimachinery parsers answer a
// set of label and field selectors (the canonical String() of a valid one, the exact error
// text of an invalid one), so fakekube's ports are checked against them.
// Run: GOTOOLCHAIN=local go run . (from this directory).
package main

import (
	"encoding/json"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

var labelInputs = []string{
	"", " ", "app=web", "app==web", "app!=web", "app", "!app", "app in (web,db)",
	"app notin (web)", "x in (foo,,baz),y,z notin ()", "a>1", "a<-5", "a>b", "a>1.5",
	"a in (b", "a in b", "a in ()", "a in (,)", "a=(", "a=", "a,", ",a", "a b", "a=b=c",
	"Key!", "!a=b", "a!", "app=web,", "a=b c", "app = web", "  app  in  ( a , b )  ",
	"in in (in)", "notin notin (in,notin)", "a/b=c", "/a=b", "a/=b", "Example.com/a=b",
	"a/b/c=d", "-a=b", "a-=b", "a=-b", "a=b-", "a=b_c.d", strings.Repeat("k", 64) + "=v",
	"k=" + strings.Repeat("v", 64), "a=" + strings.Repeat("v", 63), "a==", "a!=", "a<",
	"a=>b", "a=!b", "a!==b", "a)", "(a)", "a in (b,c", "a in (b c)", "a in (b,=)",
	"x=1,!y,z in (a),w notin (b),v>3,u<4", "b=1,a=2", "a=\u00e9", "a=b\tc", "\u00e9=b",
	"a in (b),", "!", "!!a", "a,,b", "a=b,,c=d",
}

var fieldInputs = []string{
	"", "a=b", "a==b", "a!=b", "a", "a=b,c=d", "c=d,a=b", "a=", "=b", "a=b=c", `a\=b=c`,
	`a=b\,c`, `a=b\=c`, `a=b\\c`, `a=b\c`, `a=b\`, "a=b,", ",a=b", "a=b,,c=d",
	"status.phase!=Succeeded,status.phase!=Failed", "spec.nodeName=", "a!b", "a=!b",
	"a!==b", "a===b", "metadata.name=x,metadata.name!=y", "a=b c", "a = b",
}

type answer struct {
	Input  string `json:"input"`
	String string `json:"string,omitempty"`
	Error  string `json:"error,omitempty"`
}

func main() {
	out := map[string][]answer{}
	for _, in := range labelInputs {
		sel, err := labels.Parse(in)
		a := answer{Input: in}
		if err != nil {
			a.Error = err.Error()
		} else {
			a.String = sel.String()
		}
		out["labels"] = append(out["labels"], a)
	}
	for _, in := range fieldInputs {
		sel, err := fields.ParseSelector(in)
		a := answer{Input: in}
		if err != nil {
			a.Error = err.Error()
		} else {
			a.String = sel.String()
		}
		out["fields"] = append(out["fields"], a)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile("../vectors.json", append(data, '\n'), 0o644); err != nil {
		panic(err)
	}
}
