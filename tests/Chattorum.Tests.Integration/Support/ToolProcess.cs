using System.ComponentModel;
using System.Diagnostics;

namespace Chattorum.Tests.Integration.Support;

/// <summary>What a command-line tool printed and how it ended.</summary>
internal sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Both streams, standard output first: what a failure message shows.</summary>
    public string Output => StandardOutput + StandardError;
}

/// <summary>
/// Runs a command-line tool the tests need (node, kubectl) to its end. A tool that is not installed fails the test with
/// what to install (<paramref name="installHint"/>) rather than an exception about a missing file; one that overruns its
/// time is killed, with everything it printed in the failure.
/// </summary>
internal static class ToolProcess
{
    public static async Task<ToolResult> RunAsync(
        string tool,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string installHint,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception exception)
        {
            Assert.Fail($"Cannot run {tool} ({exception.Message}): {installHint}.");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                Assert.Fail($"{tool} {string.Join(' ', start.ArgumentList)} did not finish within {timeout}:\n{await stdout}{await stderr}");
            }

            return new ToolResult(process.ExitCode, await stdout, await stderr);
        }
    }
}
