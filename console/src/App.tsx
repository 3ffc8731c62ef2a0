import { Navigate, Route, Routes, useLocation } from 'react-router';
import { AuthProvider, useAuth } from './auth/AuthContext';
import { Layout } from './components/Layout';
import { DashboardPage } from './dashboard/DashboardPage';
import { DeadLettersPage } from './pages/DeadLettersPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { WebhookDetailPage } from './pages/WebhookDetailPage';
import { WebhooksPage } from './pages/WebhooksPage';

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
        <Route index element={<DashboardPage />} />
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
