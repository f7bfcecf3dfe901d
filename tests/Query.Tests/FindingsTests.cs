using DigiUsher.Contracts;

namespace DigiUsher.Query.Tests;

public class FindingsTests
{
    [Fact]
    public async Task ListFindings_WhenWasteIsDiscovered_PointsAtEachResourceWithReasonAndCost()
    {
        await using var app = await QueryApp.StartAsync();
        var org = Guid.NewGuid();
        var dataSource = Guid.NewGuid();
        var run = Guid.NewGuid();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var idleCpu = Enumerable.Range(1, 10).Select(d => new DailyCpu(today.AddDays(-d), 1.2, 3)).ToList();
        var busyCpu = Enumerable.Range(1, 10).Select(d => new DailyCpu(today.AddDays(-d), d == 3 ? 40 : 1.2, 60)).ToList();
        var fewDays = Enumerable.Range(1, 3).Select(d => new DailyCpu(today.AddDays(-d), 0.5, 1)).ToList();
        var old = DateTimeOffset.UtcNow.AddDays(-400).ToString("O");
        var recent = DateTimeOffset.UtcNow.AddDays(-2).ToString("O");
        await app.PublishAsync(Discovery.Chunk(org, dataSource, run, ResourceKinds.Instance,
        [
            Discovery.Resource("i-0idle", ResourceKinds.Instance, "running", "ann@example.com", cpu: idleCpu),
            Discovery.Resource("i-0busy", ResourceKinds.Instance, "running", cpu: busyCpu),
            Discovery.Resource("i-0new", ResourceKinds.Instance, "running", cpu: fewDays),
            Discovery.Resource("i-0stopped", ResourceKinds.Instance, "stopped"),
        ]));
        await app.PublishAsync(Discovery.Chunk(org, dataSource, run, ResourceKinds.Volume,
        [
            Discovery.Resource("vol-0loose", ResourceKinds.Volume, "available", attributes: new() { ["size"] = "500" }),
            Discovery.Resource("vol-0root", ResourceKinds.Volume, "in-use", attributes: new() { ["instanceId"] = "i-0stopped" }),
        ]));
        await app.PublishAsync(Discovery.Chunk(org, dataSource, run, ResourceKinds.Snapshot,
        [
            Discovery.Resource("snap-0orphan", ResourceKinds.Snapshot, "completed", attributes: new() { ["volumeId"] = "vol-0deleted" }),
            Discovery.Resource("snap-0fine", ResourceKinds.Snapshot, "completed", attributes: new() { ["volumeId"] = "vol-0root" }),
        ]));
        await app.PublishAsync(Discovery.Chunk(org, dataSource, run, ResourceKinds.ElasticIp,
        [
            Discovery.Resource("eipalloc-0idle", ResourceKinds.ElasticIp),
            Discovery.Resource("eipalloc-0used", ResourceKinds.ElasticIp, attributes: new() { ["associationId"] = "eipassoc-1" }),
        ]));
        await app.PublishAsync(Discovery.Chunk(org, dataSource, run, ResourceKinds.Bucket,
        [
            Discovery.Resource("open-bucket", ResourceKinds.Bucket, attributes: new() { ["public"] = "true" }),
            Discovery.Resource("closed-bucket", ResourceKinds.Bucket, attributes: new() { ["public"] = "false" }),
        ]));
        await app.PublishAsync(Discovery.Chunk(org, dataSource, run, ResourceKinds.AccessKey,
        [
            Discovery.Resource("AKIAOLD", ResourceKinds.AccessKey, "Active", attributes: new() { ["lastUsed"] = old }),
            Discovery.Resource("AKIAFRESH", ResourceKinds.AccessKey, "Active", attributes: new() { ["lastUsed"] = recent }),
            Discovery.Resource("AKIAOFF", ResourceKinds.AccessKey, "Inactive", attributes: new() { ["lastUsed"] = old }),
        ], region: "global"));
        await app.PublishAsync(Discovery.Chunk(org, dataSource, run, ResourceKinds.IamUser,
        [
            Discovery.Resource("arn:aws:iam::123456789012:user/gone-girl", ResourceKinds.IamUser, attributes: new() { ["passwordLastUsed"] = old }),
            Discovery.Resource("arn:aws:iam::123456789012:user/daily", ResourceKinds.IamUser, attributes: new() { ["passwordLastUsed"] = recent }),
            Discovery.Resource("arn:aws:iam::123456789012:user/robot", ResourceKinds.IamUser, attributes: new() { ["consoleAccess"] = "false" }),
        ], region: "global"));
        var period = today.ToString("yyyy-MM");
        var day = new DateOnly(today.Year, today.Month, 1).ToString("yyyy-MM-dd");
        var imported = await app.ImportAsync(org, dataSource, period,
        [
            new(day, "AmazonEC2", 40m, "vol-0loose", UsageType: "EBS:VolumeUsage.gp3"),
            new(day, "AmazonEC2", 8m, "vol-0root", UsageType: "EBS:VolumeUsage.gp3"),
            new(day, "AmazonEC2", 2.5m, "arn:aws:ec2:us-east-1:123456789012:snapshot/snap-0orphan", UsageType: "EBS:SnapshotUsage"),
        ]);
        await app.WaitForCostsStatusAsync(imported.ImportId, "loaded");
        await app.WaitForAsync("select count(*) = 18 from query.resources", new { }, "resources");
        using var client = app.ClientFor(org);

        var findings = (await QueryApp.GetJsonAsync(client, "/api/v1/findings")).GetProperty("items").EnumerateArray()
            .Select(f => (Type: f.GetProperty("type").GetString()!, Id: f.GetProperty("resourceId").GetString()!, Finding: f)).ToList();

        Assert.Equal(
            [
                ("unattached-volume", "vol-0loose"),
                ("stopped-instance-with-storage", "i-0stopped"),
                ("snapshot-of-deleted-volume", "snap-0orphan"),
                ("idle-instance", "i-0idle"),
                ("inactive-console-user", "arn:aws:iam::123456789012:user/gone-girl"),
                ("public-bucket", "open-bucket"),
                ("unassociated-elastic-ip", "eipalloc-0idle"),
                ("unused-access-key", "AKIAOLD"),
            ],
            findings.Select(f => (f.Type, f.Id)).ToList());
        var loose = findings[0].Finding;
        Assert.Equal(40m, loose.GetProperty("monthlyCost").GetDecimal());
        Assert.Equal("USD", loose.GetProperty("currency").GetString());
        Assert.Equal(200, loose.GetProperty("ageDays").GetInt32());
        Assert.Contains("500 GiB", loose.GetProperty("reason").GetString());
        Assert.Equal(8m, findings[1].Finding.GetProperty("monthlyCost").GetDecimal());
        Assert.Equal(["vol-0root"], findings[1].Finding.GetProperty("relatedResourceIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("ann@example.com", findings[3].Finding.GetProperty("owner").GetProperty("email").GetString());

        var onlyIdle = await QueryApp.GetJsonAsync(client, "/api/v1/findings?type=idle-instance");
        Assert.Equal("i-0idle", Assert.Single(onlyIdle.GetProperty("items").EnumerateArray()).GetProperty("resourceId").GetString());
        var idleResources = await QueryApp.GetJsonAsync(client, "/api/v1/resources?idle=true");
        Assert.Equal("i-0idle", Assert.Single(idleResources.GetProperty("items").EnumerateArray()).GetProperty("resourceId").GetString());
        var publicResources = await QueryApp.GetJsonAsync(client, "/api/v1/resources?public=true");
        Assert.Equal("open-bucket", Assert.Single(publicResources.GetProperty("items").EnumerateArray()).GetProperty("resourceId").GetString());
    }

    [Fact]
    public async Task ListFindings_WhenIdleThresholdIsConfigured_UsesIt()
    {
        await using var app = await QueryApp.StartAsync(new() { ["Findings:IdleCpuPercent"] = "50" });
        var org = Guid.NewGuid();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var cpu = Enumerable.Range(1, 8).Select(d => new DailyCpu(today.AddDays(-d), 30, 45)).ToList();
        await app.PublishAsync(Discovery.Chunk(org, Guid.NewGuid(), Guid.NewGuid(), ResourceKinds.Instance,
            [Discovery.Resource("i-0half", ResourceKinds.Instance, "running", cpu: cpu)]));
        await app.WaitForAsync("select count(*) = 1 from query.resources", new { }, "resources");
        using var client = app.ClientFor(org);

        var findings = await QueryApp.GetJsonAsync(client, "/api/v1/findings");

        var finding = Assert.Single(findings.GetProperty("items").EnumerateArray());
        Assert.Equal("idle-instance", finding.GetProperty("type").GetString());
        Assert.Contains("below 50%", finding.GetProperty("reason").GetString());
    }
}
