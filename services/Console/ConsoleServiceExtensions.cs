using DigiUsher.Console.Apis;
using DigiUsher.Console.Session;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Npgsql;
using Radzen;

namespace DigiUsher.Console;

public static class ConsoleServiceExtensions
{
    /// <summary>The cookie that names the server-side session: HttpOnly, Secure, SameSite=Lax, host-only (__Host-).</summary>
    public const string SessionCookie = "__Host-digiusher-session";

    public static WebApplicationBuilder AddConsoleServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ServicesOptions>().BindConfiguration(ServicesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        foreach (var api in new[] { nameof(ServicesOptions.DataSource), nameof(ServicesOptions.Query), nameof(ServicesOptions.ResourceDiscovery) })
        {
            services.AddHttpClient(api, (sp, http) =>
            {
                http.BaseAddress = sp.GetRequiredService<IOptions<ServicesOptions>>().Value.AddressOf(api);
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
                .AddHttpMessageHandler(sp => new ForwardedForHandler(sp.GetRequiredService<IHttpContextAccessor>()))
                .AddHttpMessageHandler(() => new ApiErrorHandler(api));
        }

        services.AddSingleton<TokenEndpoint>();
        services.AddSingleton<SessionRefreshGate>();
        services.AddScoped<ApiClients>();
        services.AddScoped<IAuthApi, AuthApi>();
        services.AddScoped<IOrganizationApi, OrganizationApi>();
        services.AddScoped<IDataSourcesApi, DataSourcesApi>();
        services.AddScoped<ICostsApi, CostsApi>();
        services.AddScoped<IInventoryApi, InventoryApi>();
        services.AddScoped<IOwnerRulesApi, OwnerRulesApi>();

        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<IPostConfigureOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>, SessionStoreSetup>();
        services.AddScoped<IUserSession, CookieSession>();
        services.AddScoped<ISessionTokens>(sp => sp.GetRequiredService<IUserSession>());

        // Keys in Postgres: every replica decrypts the cookies, sessions and antiforgery tokens of the others.
        services.AddDataProtection().SetApplicationName("digiusher-console");
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((options, dataSource) => options.XmlRepository = new PostgresKeyRepository(dataSource));

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.Cookie.Name = SessionCookie;
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            // Lax: a shared cost-explorer link opened from chat or mail arrives signed in; state changes
            // are POSTs with antiforgery tokens or go over the circuit, which checks the Origin.
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.LoginPath = "/signin";
            options.LogoutPath = "/account/signout";
            options.AccessDeniedPath = "/denied";
            options.ReturnUrlParameter = "returnUrl";
            options.ExpireTimeSpan = CookieSession.SessionLifetime;
            options.SlidingExpiration = false;
        });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        // Antiforgery refuses to work over plain HTTP with a Secure cookie: Secure follows the request,
        // which behind the ingress is HTTPS (X-Forwarded-Proto, below).
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "digiusher-antiforgery";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.SameSite = SameSiteMode.Strict;
        });

        // TLS ends at the ingress; its X-Forwarded-Proto tells the console the browser's scheme. A
        // spoofed header can only add the Secure flag, and X-Forwarded-For only changes the logs.
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
        });

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddRadzenComponents();
        return builder;
    }
}
