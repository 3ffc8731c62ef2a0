import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { AuthProvider, useAuth } from './auth/AuthContext';
import { Layout } from './components/Layout';
import { DeadLettersPage } from './pages/DeadLettersPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { WebhookDetailPage } from './pages/WebhookDetailPage';
import { WebhooksPage } from './pages/WebhooksPage';

// The dashboard and its charts (Recharts) are a chunk of their own: the
// webhook pages load without them.
const DashboardPage = lazy(() => import('./dashboard/DashboardPage').then((m) => ({ default: m.DashboardPage })));

function Dashboard() {
  return (
    <Suspense
      fallback={
        <p role="status" className="muted">
          Loading the dashboard…
        </p>
      }
    >
      <DashboardPage />
    </Suspense>
  );
}

function RequireAuth() {
  const { api } = useAuth();
  const location = useLocation();
  if (!api) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <Layout />;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireAuth />}>
        <Route index element={<Dashboard />} />
        <Route path="webhooks" element={<WebhooksPage />} />
        <Route path="webhooks/:webhookId" element={<WebhookDetailPage />} />
        <Route path="dead-letters" element={<DeadLettersPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** The console, under a router supplied by the caller (BrowserRouter in the page, MemoryRouter in tests). */
export function App({ baseUrl = '' }: { baseUrl?: string }) {
  return (
    <AuthProvider baseUrl={baseUrl}>
      <AppRoutes />
    </AuthProvider>
  );
}
