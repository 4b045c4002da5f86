// Package stack reads the SAM template (template.yaml) so that local runs
// and tests use the deployed definitions of the table, the routes, the
// functions and the queue, rather than copies that could drift.
package stack

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.yaml.in/yaml/v3"

	"github.com/kickbot/kickbot"
)

// TableResource is the logical id of the table in the template.
const TableResource = "Table"

// Template is the part of a SAM template this package reads.
type Template struct {
	Resources map[string]Resource `yaml:"Resources"`
}

// Resource is one template resource. Properties stay a YAML node because
// their shape depends on Type and may hold intrinsic functions (!Ref, ...).
type Resource struct {
	Type       string    `yaml:"Type"`
	Properties yaml.Node `yaml:"Properties"`
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
