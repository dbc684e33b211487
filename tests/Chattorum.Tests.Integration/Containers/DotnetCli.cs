using System.Diagnostics;
using System.Text;

namespace Chattorum.Tests.Integration.Containers;

/// <summary>
/// Runs the SDK (<c>dotnet msbuild</c>, <c>dotnet publish</c>) from the repository root, as an operator would from a
/// shell: without the MSBuild variables the test run inherits from <c>dotnet test</c>, and without leaving MSBuild
/// worker nodes behind.
/// </summary>
internal static class DotnetCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>The command's standard output; throws with both streams when it fails.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Chattorum.Tests.Support.Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[.. arguments, "-nodeReuse:false"])
        {
            start.ArgumentList.Add(argument);
        }

        // `dotnet test` runs the tests from inside an MSBuild task: its MSBuild* variables (the SDK's paths, the node
        // settings) would steer this nested build instead of the SDK's own defaults.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => output.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => error.AppendLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} took longer than {Timeout.TotalMinutes:0} min");
        }

        // WaitForExitAsync returns once the output streams are drained, so the builders are complete here.
        return process.ExitCode == 0
            ? output.ToString()
            : throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{output}\n{error}");
    }

    /// <summary>The configuration these tests were built in (Release or Debug), which the services were built in too.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
}
