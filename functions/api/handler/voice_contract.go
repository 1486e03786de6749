package handler

import (
	"net/http"

	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/openapi"
)

// voiceOperations are the telephony routes (voice.go) as the contract describes them; op is
// Contract's tenantOp with the admin role.
func voiceOperations(op func(openapi.Operation) openapi.Operation) []openapi.Operation {
	ok := func(body any) []openapi.Response {
		return []openapi.Response{{Status: http.StatusOK, Body: body, ETag: true}}
	}
	const tag = "Telephony"
	return []openapi.Operation{
		op(openapi.Operation{Route: "GET /v1/numbers", ID: "listNumbers", Tag: tag,
			Summary: "List the tenant's telephone numbers", Paginated: true, Responses: []openapi.Response{{Status: http.StatusOK, Body: page[numberOut]{}}}}),
		op(openapi.Operation{Route: "GET /v1/numbers/{number}", ID: "getNumber", Tag: tag,
			Summary: "Read a number (E.164; send + as is or as %2B)", Responses: ok(numberOut{}), Problems: notFound}),
		op(openapi.Operation{Route: "PUT /v1/numbers/{number}", ID: "putNumber", Tag: tag,
			Summary:     "Create or replace a number: the language callers are greeted in and the trunks that may deliver it",
			Description: "A number belongs to one tenant on the whole platform: 409 when another tenant has it. Every trunk named must exist.",
			Body:        openapi.BodyRequired, Request: numberBody{}, Preconditions: true, Responses: versioned(numberOut{}), Problems: writeProblems}),
		op(openapi.Operation{Route: "DELETE /v1/numbers/{number}", ID: "deleteNumber", Tag: tag,
			Summary: "Delete a number; calls to it are refused from then on", Body: openapi.BodyEmpty, Preconditions: true,
			Responses: noContent, Problems: deleteProblems}),

		op(openapi.Operation{Route: "GET /v1/trunks", ID: "listTrunks", Tag: tag,
			Summary: "List SIP trunks (never their passwords)", Paginated: true, Responses: []openapi.Response{{Status: http.StatusOK, Body: page[trunkOut]{}}}}),
		op(openapi.Operation{Route: "GET /v1/trunks/{name}", ID: "getTrunk", Tag: tag,
			Summary: "Read a SIP trunk", Responses: ok(trunkOut{}), Problems: notFound}),
		op(openapi.Operation{Route: "PUT /v1/trunks/{name}", ID: "putTrunk", Tag: tag,
			Summary:     "Create or replace a SIP trunk: its source addresses, transport, SRTP and optional digest credentials",
			Description: "The password is write-only (stored as its digest HA1); a replace that keeps the username may leave it out.",
			Body:        openapi.BodyRequired, Request: trunkBody{}, Preconditions: true, Responses: versioned(trunkOut{}), Problems: writeProblems}),
		op(openapi.Operation{Route: "DELETE /v1/trunks/{name}", ID: "deleteTrunk", Tag: tag,
			Summary: "Delete a SIP trunk no number names (409 names the numbers that do)", Body: openapi.BodyEmpty, Preconditions: true,
			Responses: noContent, Problems: deleteProblems}),

		op(openapi.Operation{Route: "GET /v1/sip-accounts", ID: "listSipAccounts", Tag: tag,
			Summary: "List agents' softphone accounts with their current registrations", Paginated: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[sipAccountOut]{}}}}),
		op(openapi.Operation{Route: "GET /v1/sip-accounts/{username}", ID: "getSipAccount", Tag: tag,
			Summary: "Read a softphone account and where it is registered", Responses: ok(sipAccountOut{}), Problems: notFound}),
		op(openapi.Operation{Route: "PUT /v1/sip-accounts/{username}", ID: "putSipAccount", Tag: tag,
			Summary:     "Create a softphone account or change its password",
			Description: "A username belongs to one tenant on the whole platform: 409 when another tenant has it. The password is write-only (stored as its digest HA1).",
			Body:        openapi.BodyRequired, Request: sipAccountBody{}, Preconditions: true, Responses: versioned(sipAccountOut{}), Problems: writeProblems}),
		op(openapi.Operation{Route: "DELETE /v1/sip-accounts/{username}", ID: "deleteSipAccount", Tag: tag,
			Summary: "Delete a softphone account no transfer target names (409 names the queues that do)", Body: openapi.BodyEmpty,
			Preconditions: true, Responses: noContent, Problems: deleteProblems}),

		op(openapi.Operation{Route: "GET /v1/voice-transfer-targets", ID: "listVoiceTransferTargets", Tag: tag,
			Summary: "List where queues' voice transfers go", Paginated: true,
			Responses: []openapi.Response{{Status: http.StatusOK, Body: page[transferTargetOut]{}}}}),
		op(openapi.Operation{Route: "GET /v1/voice-transfer-targets/{queue}", ID: "getVoiceTransferTarget", Tag: tag,
			Summary: "Read where a queue's voice transfers go", Responses: ok(transferTargetOut{}), Problems: notFound}),
		op(openapi.Operation{Route: "PUT /v1/voice-transfer-targets/{queue}", ID: "putVoiceTransferTarget", Tag: tag,
			Summary:     "Set where a queue's voice transfers go: account:USERNAME or a sip:/sips: URI",
			Description: "A URI's host must be public (or a DNS name); an account must be one of the tenant's.",
			Body:        openapi.BodyRequired, Request: transferTargetBody{}, Preconditions: true,
			Responses: versioned(transferTargetOut{}), Problems: openapi.Problems(kindPrecondition, httpapi.KindConflict)}),
		op(openapi.Operation{Route: "DELETE /v1/voice-transfer-targets/{queue}", ID: "deleteVoiceTransferTarget", Tag: tag,
			Summary: "Delete a queue's voice transfer target", Body: openapi.BodyEmpty, Preconditions: true, Responses: noContent, Problems: deleteProblems}),
	}
}
