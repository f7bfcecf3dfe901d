using Bunit;
using DigiUsher.Client.Query;
using DigiUsher.Console.Apis;
using DigiUsher.Console.Components.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Radzen;

namespace DigiUsher.Console.Tests;

/// <summary>The resource page rendered by bUnit over what Query answers (no browser).</summary>
public sealed class ResourcePageTests : IDisposable
{
    private readonly BunitContext _context = new();
    private readonly OneResourceInventory _inventory = new();

    public ResourcePageTests()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.JSInterop.Setup<Radzen.Blazor.Rendering.Rect>("Radzen.createChart", _ => true).SetResult(new Radzen.Blazor.Rendering.Rect { Width = 800, Height = 280 });
        _context.Services.AddRadzenComponents();
        _context.Services.AddSingleton<IInventoryApi>(_inventory);
        _context.Services.AddSingleton(TimeProvider.System);
    }

    [Theory]
    [InlineData("Production", "111122223333 (Production)")]
    [InlineData(null, "111122223333")]
    public void Resource_ShowsItsAccountsNameBesideTheIdWhereQueryKnowsIt(string? accountName, string shown)
    {
        _inventory.AccountName = accountName;
        _context.Services.GetRequiredService<NavigationManager>().NavigateTo("/resource?id=i-0api&from=2026-11-01&to=2026-11-30");

        var page = _context.Render<Resource>();

        page.WaitForAssertion(() => Assert.Equal(shown, page.Find("[data-testid=resource-account]").TextContent));
    }

    public void Dispose() => _context.Dispose();

    /// <summary>Knows one instance, in account 111122223333, named as the test says.</summary>
    private sealed class OneResourceInventory : IInventoryApi
    {
        public string? AccountName { get; set; }

        public Task<ResourceDetail?> GetResourceAsync(string resourceId, Guid? dataSourceId, DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
            Task.FromResult<ResourceDetail?>(new ResourceDetail
            {
                Resource = new ResourceItem
                {
                    DataSourceId = Guid.NewGuid(), ResourceId = resourceId, Kind = "ec2-instance", Name = "api", AccountId = "111122223333",
                    AccountName = AccountName, Region = "us-east-1", State = "running", Discovered = true, Tags = new Dictionary<string, string>(), Cost = [],
                },
                Attributes = new Dictionary<string, string>(), From = from, To = to, Metric = "unblended", DailyCost = [],
            });

        public Task<IReadOnlyList<Finding>> ListFindingsAsync(string? type, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Finding>>([]);

        public Task<PageOfResourceItem> ListResourcesAsync(ResourceFilter filter, int limit, string? cursor, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<EmployeeResources?> EmployeeResourcesAsync(string employee, DateOnly from, DateOnly to, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
