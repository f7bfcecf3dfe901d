using DigiUsher.Console;
using DigiUsher.Console.Components;
using DigiUsher.Console.Data;
using DigiUsher.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(new DigiUsherService("console", ConsoleDb.Schema, Outbox: false));
builder.AddConsoleServices();

var app = builder.Build();
app.UseForwardedHeaders();
app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseMiddleware<ConsoleSecurityMiddleware>();
app.MapHealthEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapConsoleEndpoints();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

return await app.RunOrMigrateAsync(args);

/// <summary>The Console service entry point (public for tests).</summary>
public partial class Program;
