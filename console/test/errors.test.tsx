import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../src/api/client';
import { ErrorMessage } from '../src/components/ErrorMessage';

describe('ErrorMessage', () => {
  it("shows the API's code, message and request id, with advice for known codes", () => {
    render(<ErrorMessage error={new ApiError(403, 'forbidden', 'this operation needs an admin API key', 'req-42')} title="Nope" />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveProperty('textContent');
    expect(alert.textContent).toContain('Nope');
    expect(alert.textContent).toContain('forbidden');
    expect(alert.textContent).toContain('this operation needs an admin API key');
    expect(alert.textContent).toContain('req-42');
    expect(alert.textContent).toContain('needs an admin API key');
  });

  it('shows unknown codes as they are, without advice or request id', () => {
    render(<ErrorMessage error={new ApiError(418, 'brand_new_code', 'something new', null)} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toBe('brand_new_code something new');
  });

  it('explains network errors and plain errors', () => {
    const { rerender } = render(<ErrorMessage error={new NetworkError('could not reach the service (fetch failed)')} />);
    expect(screen.getByRole('alert').textContent).toContain('Check that the service is running');
    rerender(<ErrorMessage error={new Error('Enter the destination URL.')} />);
    expect(screen.getByRole('alert').textContent).toBe('Enter the destination URL.');
  });

  it('renders nothing without an error', () => {
    const { container } = render(<ErrorMessage error={null} />);
    expect(container.innerHTML).toBe('');
  });
});
