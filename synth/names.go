package synth

// The fixed lists synthetic data is drawn from. Names are given names only,
// never a given name with a family name, so no generated person names
// anyone real; the PET-SYNTH fixture test accepts these lists.

// GivenNames are the display names synthetic people get: common given names
// alone. A display name that repeats in a household gets a number ("Robin
// 2").
var GivenNames = []string{
	"Alex", "Ari", "Ash", "Bailey", "Blake", "Cameron", "Casey", "Charlie",
	"Dana", "Drew", "Eden", "Ellis", "Emery", "Finley", "Frankie", "Hayden",
	"Indigo", "Jamie", "Jesse", "Jordan", "Jude", "Kai", "Kit", "Lane",
	"Logan", "Marley", "Morgan", "Noor", "Oakley", "Parker", "Quinn", "Reese",
	"Remy", "Riley", "Robin", "Rowan", "Sage", "Sam", "Sasha", "Shay",
	"Skyler", "Sol", "Tate", "Teagan", "Toby", "Wren", "Yael", "Zion",
}

// houseNames name synthetic households, with a number: "Birch house 12".
var houseNames = []string{
	"Alder", "Ash", "Beech", "Birch", "Cedar", "Elder", "Elm", "Fir", "Hawthorn",
	"Hazel", "Holly", "Juniper", "Larch", "Linden", "Maple", "Oak", "Pine",
	"Rowan", "Spruce", "Willow", "Yew",
}

// town is a large town, where synthetic homes are placed (near its centre,
// never at an address).
type town struct {
	Name     string
	Lat, Lon float64
}

// towns are the towns synthetic homes are in.
var towns = []town{
	{"Leeds", 53.7997, -1.5492}, {"Bristol", 51.4545, -2.5879}, {"Glasgow", 55.8642, -4.2518},
	{"Manchester", 53.4808, -2.2426}, {"Cardiff", 51.4816, -3.1791}, {"Norwich", 52.6309, 1.2974},
	{"York", 53.9600, -1.0873}, {"Belfast", 54.5973, -5.9301}, {"Brighton", 50.8225, -0.1372},
	{"Aberdeen", 57.1497, -2.0943}, {"Plymouth", 50.3755, -4.1427}, {"Nottingham", 52.9548, -1.1581},
}

// requests are what synthetic people ask a voice assistant.
var requests = []string{
	"what is the weather tomorrow", "set a timer for ten minutes", "play some jazz",
	"turn the volume down", "what time is it", "add milk to the shopping list",
	"how long to boil an egg", "play the news", "stop", "set an alarm for seven",
	"what is on my calendar today", "tell me a joke", "play rain sounds",
	"how far is the moon", "turn off the lights",
}

// titles are what synthetic people listen to: invented titles.
var titles = []string{
	"Morning Mix", "Garden Hour", "Quiet Piano", "Saturday Kitchen Beats", "The Long Walk",
	"Night Radio", "Tidal Drift", "Paper Lanterns", "The Science Half Hour", "Kettle Songs",
	"Harbour Lights", "Slow Sunday", "Cloud Atlas Suite", "Lo-fi Study", "The History Pod",
}
