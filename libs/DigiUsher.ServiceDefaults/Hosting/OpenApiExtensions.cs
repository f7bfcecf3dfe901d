using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace DigiUsher.ServiceDefaults.Hosting;

public static class OpenApiExtensions
{
    /// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) with the bearer scheme.</summary>
    public static WebApplicationBuilder AddDigiUsherOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>Serves <c>/openapi/v1.json</c> and a browsable reference at <c>/scalar</c>, anonymously.</summary>
    public static WebApplication MapDigiUsherOpenApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference().AllowAnonymous();
        return app;
    }
}
