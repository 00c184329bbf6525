// Command gen writes OpenAPI v2 protobuf test vectors for fakekube with gnostic, the
// library kube-apiserver serves /openapi/v2 with: for every ../NAME.json it writes
// ../NAME.pb, the bytes of k8s.io/kube-openapi's handler.ToProtoBinary (gnostic-models
// openapi_v2.ParseDocument, then proto.Marshal). Run: go run . (from this directory);
// see README.md.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
)

func main() {
	inputs, err := filepath.Glob(filepath.Join("..", "*.json"))
	if err != nil {
		panic(err)
	}
	for _, input := range inputs {
		data, err := os.ReadFile(input)
		if err != nil {
			panic(err)
		}
		document, err := openapi_v2.ParseDocument(data)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", input, err)
			os.Exit(1)
		}
		out, err := proto.Marshal(document)
		if err != nil {
			panic(err)
		}
		output := strings.TrimSuffix(input, ".json") + ".pb"
		if err := os.WriteFile(output, out, 0o644); err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d bytes\n", output, len(out))
	}
}
