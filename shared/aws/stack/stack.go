// Package stack reads the SAM template (template.yaml) so that local runs
// and tests use the deployed definitions of the table, the routes, the
// functions and the queue, rather than copies that could drift.
package stack

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.yaml.in/yaml/v3"

	"github.com/kickbot/kickbot"
)

// TableResource is the logical id of the table in the template.
const TableResource = "Table"

// JobsQueue is the logical id of the worker's FIFO queue.
const JobsQueue = "JobsQueue"

// Template is the part of a SAM template this package reads.
type Template struct {
	Resources map[string]Resource `yaml:"Resources"`
}

// Resource is one template resource. Properties stay a YAML node because
// their shape depends on Type and may hold intrinsic functions (!Ref, ...).
type Resource struct {
	Type       string    `yaml:"Type"`
	Properties yaml.Node `yaml:"Properties"`
	Metadata   struct {
		BuildMethod string `yaml:"BuildMethod"` // how sam build builds a function
	} `yaml:"Metadata"`
}

// Load parses the embedded template.
func Load() (*Template, error) { return Parse(kickbot.Template) }

// Parse parses a SAM template.
func Parse(b []byte) (*Template, error) {
	var t Template
	if err := yaml.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	return &t, nil
}

type tableProps struct {
	AttributeDefinitions []struct {
		AttributeName string `yaml:"AttributeName"`
		AttributeType string `yaml:"AttributeType"`
	} `yaml:"AttributeDefinitions"`
	KeySchema              []keyElem `yaml:"KeySchema"`
	GlobalSecondaryIndexes []struct {
		IndexName  string    `yaml:"IndexName"`
		KeySchema  []keyElem `yaml:"KeySchema"`
		Projection struct {
			ProjectionType   string   `yaml:"ProjectionType"`
			NonKeyAttributes []string `yaml:"NonKeyAttributes"`
		} `yaml:"Projection"`
	} `yaml:"GlobalSecondaryIndexes"`
	TimeToLiveSpecification struct {
		AttributeName string `yaml:"AttributeName"`
		Enabled       bool   `yaml:"Enabled"`
	} `yaml:"TimeToLiveSpecification"`
}

type keyElem struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

func keySchema(ks []keyElem) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)}
	}
	return out
}

// Table returns the CreateTable input for the template's table, named name.
func (t *Template) Table(name string) (*dynamodb.CreateTableInput, error) {
	r, ok := t.Resources[TableResource]
	if !ok || r.Type != "AWS::DynamoDB::Table" {
		return nil, fmt.Errorf("template has no AWS::DynamoDB::Table named %s", TableResource)
	}
	var p tableProps
	if err := r.Properties.Decode(&p); err != nil {
		return nil, fmt.Errorf("decode %s properties: %w", TableResource, err)
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema(p.KeySchema),
	}
	for _, a := range p.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: types.ScalarAttributeType(a.AttributeType),
		})
	}
	for _, g := range p.GlobalSecondaryIndexes {
		proj := &types.Projection{ProjectionType: types.ProjectionType(g.Projection.ProjectionType)}
		if len(g.Projection.NonKeyAttributes) > 0 {
			proj.NonKeyAttributes = g.Projection.NonKeyAttributes
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(g.IndexName), KeySchema: keySchema(g.KeySchema), Projection: proj,
		})
	}
	return in, nil
}

// TTLAttribute returns the table's time-to-live attribute name, or "" when
// TTL is not enabled.
func (t *Template) TTLAttribute() (string, error) {
	r, ok := t.Resources[TableResource]
	if !ok {
		return "", fmt.Errorf("template has no resource %s", TableResource)
	}
	var p tableProps
	if err := r.Properties.Decode(&p); err != nil {
		return "", fmt.Errorf("decode %s properties: %w", TableResource, err)
	}
	if !p.TimeToLiveSpecification.Enabled {
		return "", nil
	}
	return p.TimeToLiveSpecification.AttributeName, nil
}

// Function is a Lambda function of the template.
type Function struct {
	Name        string // logical id
	CodeURI     string // the directory sam build starts from, relative to the template
	BuildMethod string // Metadata.BuildMethod: "makefile" runs the Makefile in CodeURI
	Routes      []Route
}

// Route is an HTTP API route, as in "POST /webhooks/kick".
type Route struct {
	Method, Path string
}

func (r Route) String() string { return r.Method + " " + r.Path }

// Functions lists the template's serverless functions and their HTTP
// routes, sorted by logical id.
func (t *Template) Functions() ([]Function, error) {
	var out []Function
	for name, r := range t.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		var p struct {
			CodeURI string `yaml:"CodeUri"`
			Events  map[string]struct {
				Type       string `yaml:"Type"`
				Properties struct {
					Method string `yaml:"Method"`
					Path   string `yaml:"Path"`
				} `yaml:"Properties"`
			} `yaml:"Events"`
		}
		if err := r.Properties.Decode(&p); err != nil {
			return nil, fmt.Errorf("decode %s properties: %w", name, err)
		}
		f := Function{Name: name, CodeURI: p.CodeURI, BuildMethod: r.Metadata.BuildMethod}
		for _, e := range p.Events {
			if e.Type == "HttpApi" {
				f.Routes = append(f.Routes, Route{Method: strings.ToUpper(e.Properties.Method), Path: e.Properties.Path})
			}
		}
		slices.SortFunc(f.Routes, func(a, b Route) int { return strings.Compare(a.String(), b.String()) })
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Function) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Routes lists every HTTP API route of the template, sorted.
func (t *Template) Routes() ([]Route, error) {
	fs, err := t.Functions()
	if err != nil {
		return nil, err
	}
	var out []Route
	for _, f := range fs {
		out = append(out, f.Routes...)
	}
	slices.SortFunc(out, func(a, b Route) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

// MaxReceiveCount returns the redrive limit of the named SQS queue: how
// many times a message is received before it moves to the dead-letter queue.
func (t *Template) MaxReceiveCount(queue string) (int, error) {
	r, ok := t.Resources[queue]
	if !ok || r.Type != "AWS::SQS::Queue" {
		return 0, fmt.Errorf("template has no AWS::SQS::Queue named %s", queue)
	}
	var p struct {
		RedrivePolicy struct {
			MaxReceiveCount int `yaml:"maxReceiveCount"`
		} `yaml:"RedrivePolicy"`
	}
	if err := r.Properties.Decode(&p); err != nil {
		return 0, fmt.Errorf("decode %s properties: %w", queue, err)
	}
	if p.RedrivePolicy.MaxReceiveCount <= 0 {
		return 0, fmt.Errorf("queue %s has no redrive policy", queue)
	}
	return p.RedrivePolicy.MaxReceiveCount, nil
}

// VisibilityTimeout returns the named SQS queue's visibility timeout: how
// long a received message stays hidden, and so how long a message that
// failed waits before it is received again.
func (t *Template) VisibilityTimeout(queue string) (time.Duration, error) {
	r, ok := t.Resources[queue]
	if !ok || r.Type != "AWS::SQS::Queue" {
		return 0, fmt.Errorf("template has no AWS::SQS::Queue named %s", queue)
	}
	var p struct {
		VisibilityTimeout int `yaml:"VisibilityTimeout"`
	}
	if err := r.Properties.Decode(&p); err != nil {
		return 0, fmt.Errorf("decode %s properties: %w", queue, err)
	}
	if p.VisibilityTimeout <= 0 {
		// SQS's default of 30 s would apply; the template must say.
		return 0, fmt.Errorf("queue %s sets no VisibilityTimeout", queue)
	}
	return time.Duration(p.VisibilityTimeout) * time.Second, nil
}
