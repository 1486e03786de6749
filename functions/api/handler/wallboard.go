package handler

// wallboard.go: GET /v1/wallboard, the supervisor's figures (shared/wallboard's Board) as the live
// function keeps them in the tenant's wallboard item: the same JSON the WebSocket pushes, for a
// wallboard that just opened.

import (
	"context"
	"fmt"
	"net/http"

	"github.com/lingxi/lingxi/shared/auth"
	"github.com/lingxi/lingxi/shared/httpapi"
	"github.com/lingxi/lingxi/shared/wallboard"
)

func (api *API) wallboardRoutes() {
	api.router.Handle("GET /v1/wallboard", api.tenantKey(auth.RoleSupervisor, api.getWallboard))
}

func (api *API) getWallboard(ctx context.Context, r *httpapi.Request, p auth.Principal) (httpapi.Response, error) {
	b, err := wallboard.Current(ctx, api.store, p.Tenant, api.now().UTC())
	if err != nil {
		return httpapi.Response{}, fmt.Errorf("wallboard of %s: %w", p.Tenant, err)
	}
	return httpapi.JSON(http.StatusOK, api.withForecast(ctx, r, p.Tenant, b)), nil // forecast_read.go
}
