package handler

// human.go: the human-service routes (issue 10) as one group: canned responses (canned.go) and
// knowledge search (knowledge.go). Their contract entries are in human_contract.go.

func (api *API) humanRoutes() {
	api.cannedRoutes()
	api.knowledgeRoutes()
}
