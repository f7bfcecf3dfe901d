using DigiUsher.DataSource.Secrets;
using DigiUsher.ServiceDefaults.Security;

namespace DigiUsher.DataSource.Apis;

/// <summary>Operators' internal endpoints (the admin CLI calls them with its own service identity; never routed by the ingress).</summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/internal/v1/admin").ExcludeFromDescription()
            .RequireScope(Scopes.SecretsRekey)
            .RequireAuthorization(p => p.RequireClaim(DigiUsherClaims.ClientId, ServiceIdentities.Admin));
        group.MapPost("/secrets/rekey", async (SecretRekeyer rekeyer, CancellationToken cancellationToken) =>
            TypedResults.Ok(await rekeyer.RekeyAsync(cancellationToken)));
        return app;
    }
}
