package dynamotx

import (
	"encoding/json"
	"errors"
	"net/http"
)

// wantsOldItem reports whether a PutItem, UpdateItem or DeleteItem request asks for the item its
// condition fails on (ReturnValuesOnConditionCheckFailure ALL_OLD).
func wantsOldItem(body []byte) bool {
	var in struct{ ReturnValuesOnConditionCheckFailure string }
	return json.Unmarshal(body, &in) == nil && in.ReturnValuesOnConditionCheckFailure == "ALL_OLD"
}

// writeReturningOld forwards a single-item write that asks for ALL_OLD on a failed condition, and
// when the emulator answers ConditionalCheckFailedException adds the item as DynamoDB does: the
// error's "Item", absent when there is no item. The caller holds the lock exclusively, so the item
// read is the one the condition failed on.
func (c *call) writeReturningOld(op string, body []byte) *result {
	answer, err := c.send(op, body)
	if err == nil {
		return &result{status: http.StatusOK, body: answer}
	}
	var ee *emulatorError
	if !errors.As(err, &ee) || ee.code != "ConditionalCheckFailedException" {
		return emulatorResult(err)
	}
	var in struct {
		TableName string
		Key, Item item
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return failure(http.StatusBadRequest, "SerializationException", err.Error())
	}
	key := in.Key
	if op == "PutItem" {
		names, err := c.keySchema(in.TableName)
		if err != nil {
			return emulatorResult(err)
		}
		key = item{}
		for _, n := range names {
			key[n] = in.Item[n]
		}
	}
	old, err := c.getItem(in.TableName, key)
	if err != nil {
		return emulatorResult(err)
	}
	if old == nil {
		return ee.result()
	}
	var e map[string]json.RawMessage
	if err := json.Unmarshal(ee.body, &e); err != nil {
		return failure(http.StatusInternalServerError, "InternalServerError", "emulator's error answer: "+err.Error())
	}
	e["Item"], _ = json.Marshal(old)
	b, _ := json.Marshal(e)
	return &result{status: ee.status, body: b}
}
