// Package kickbot carries the deployable stack definition, template.yaml,
// so that code which must agree with it (the local runner's table and
// routes, the tests that check the template against the code) reads the
// one copy instead of keeping a second.
package kickbot

import _ "embed"

// Template is the SAM template, template.yaml, as deployed.
//
//go:embed template.yaml
var Template []byte
