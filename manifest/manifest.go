// Package manifest parses Hearth's privacy manifest: the one declaration of a
// product (its controller, device models, data categories and purposes) that
// the server enforces and that its notices are generated from.
package manifest

// Manifest is a parsed privacy manifest.
type Manifest struct {
	Format     int        `yaml:"format" json:"format"`   // manifest format version; 1
	Version    string     `yaml:"version" json:"version"` // the manufacturer's version of this declaration
	Controller Controller `yaml:"controller" json:"controller"`
	Models     []Model    `yaml:"models" json:"models"`
	Categories []Category `yaml:"categories" json:"categories"`
	Purposes   []Purpose  `yaml:"purposes" json:"purposes"`

	categories map[string]*Category
	models     map[string]*Model
}

// Controller is the organisation responsible for the processing.
type Controller struct {
	Name    string `yaml:"name" json:"name"`
	Contact string `yaml:"contact" json:"contact"`
}

// Model is a device model in the product catalogue.
type Model struct {
	ID         string   `yaml:"id" json:"id"`
	Name       string   `yaml:"name" json:"name"`
	SupportEnd string   `yaml:"support_end" json:"support_end"` // YYYY-MM-DD: last day of security updates
	Categories []string `yaml:"categories" json:"categories"`   // the categories this model produces
}

// Category is a data category a device produces.
type Category struct {
	ID        string `yaml:"id" json:"id"`
	Name      string `yaml:"name" json:"name"`
	Kind      string `yaml:"kind" json:"kind"`           // personal, special, location, technical
	Retention string `yaml:"retention" json:"retention"` // a duration such as 30d, 12h, 1y
}

// Purpose is a reason data is processed.
type Purpose struct {
	ID         string   `yaml:"id" json:"id"`
	Name       string   `yaml:"name" json:"name"`
	Basis      string   `yaml:"basis" json:"basis"` // UK GDPR Art 6 basis
	Categories []string `yaml:"categories" json:"categories"`
	Core       bool     `yaml:"core" json:"core"` // necessary for the product's core function
}

// Category returns the declared category with that ID.
func (m *Manifest) Category(id string) (*Category, bool) {
	c, ok := m.categories[id]
	return c, ok
}

// Model returns the declared device model with that ID.
func (m *Manifest) Model(id string) (*Model, bool) {
	d, ok := m.models[id]
	return d, ok
}

func (m *Manifest) index() {
	m.categories = make(map[string]*Category, len(m.Categories))
	for i := range m.Categories {
		m.categories[m.Categories[i].ID] = &m.Categories[i]
	}
	m.models = make(map[string]*Model, len(m.Models))
	for i := range m.Models {
		m.models[m.Models[i].ID] = &m.Models[i]
	}
}
